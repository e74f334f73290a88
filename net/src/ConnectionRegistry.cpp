#include "ConnectionRegistry.hpp"

namespace certgate::net {

ConnectionRegistry::ConnectionRegistry(const Limits& limits, std::vector<std::string> exempt)
    : limits_(limits)
    , exempt_(exempt.begin(), exempt.end())
{
}

ConnectionRegistry::Admission ConnectionRegistry::admit(const std::shared_ptr<Closable>& connection,
    const std::string& address, SlotPtr& slot, std::uint64_t& evicted)
{
    // Connections to close are asked outside the lock: the last reference to one may go with
    // it, and its destructor removes it from here.
    std::vector<std::shared_ptr<Closable>> victims;
    auto admission = admitLocked(connection, address, slot, evicted, victims);
    for (auto& victim : victims)
        victim->closeSoon(Closable::Reason::Evicted);
    return admission;
}

ConnectionRegistry::Admission ConnectionRegistry::admitLocked(
    const std::shared_ptr<Closable>& connection, const std::string& address, SlotPtr& slot,
    std::uint64_t& evicted, std::vector<std::shared_ptr<Closable>>& victims)
{
    std::lock_guard lock(mutex_);
    bool exempt = exempt_.count(address) != 0;
    auto& fromAddress = perAddress_[address];
    if (!exempt && fromAddress >= limits_.maxConnectionsPerAddress) {
        if (!evictOne(&address, victims)) {
            if (fromAddress == 0)
                perAddress_.erase(address);
            return Admission::Refused;
        }
        ++evicted;
    }
    if (slots_.size() >= limits_.maxConnections) {
        if (!evictOne(nullptr, victims)) {
            if (fromAddress == 0)
                perAddress_.erase(address);
            return Admission::Refused;
        }
        ++evicted;
    }
    slot = std::make_shared<Slot>();
    slot->connection = connection;
    slot->address = address;
    slot->since = Clock::now();
    slot->position = slots_.insert(slots_.end(), slot);
    ++fromAddress;
    return Admission::Admitted;
}

// An evicted connection stays registered until it has closed, but no longer counts as one
// that can make room: the newcomer may briefly exceed the cap by the connections closing.
bool ConnectionRegistry::evictOne(
    const std::string* address, std::vector<std::shared_ptr<Closable>>& victims)
{
    for (auto& candidate : slots_) {
        if (!candidate->idle || candidate->closing)
            continue;
        if (address && candidate->address != *address)
            continue;
        candidate->closing = true;
        if (auto connection = candidate->connection.lock()) {
            victims.push_back(std::move(connection));
            return true;
        }
    }
    return false;
}

void ConnectionRegistry::setIdle(const SlotPtr& slot, bool idle)
{
    std::lock_guard lock(mutex_);
    if (slot->closing)
        return;
    slot->idle = idle;
    if (idle) {
        slot->since = Clock::now();
        slots_.splice(slots_.end(), slots_, slot->position);
    }
}

void ConnectionRegistry::remove(const SlotPtr& slot)
{
    std::lock_guard lock(mutex_);
    slots_.erase(slot->position);
    auto it = perAddress_.find(slot->address);
    if (it != perAddress_.end() && --it->second == 0)
        perAddress_.erase(it);
}

std::size_t ConnectionRegistry::sweep()
{
    std::vector<std::shared_ptr<Closable>> victims;
    {
        std::lock_guard lock(mutex_);
        collectIdleSince(Clock::now() - limits_.pressureIdleTimeout, victims);
    }
    for (auto& victim : victims)
        victim->closeSoon(Closable::Reason::Pressure);
    return victims.size();
}

void ConnectionRegistry::collectIdleSince(
    Clock::time_point cutoff, std::vector<std::shared_ptr<Closable>>& victims)
{
    if (slots_.size() <= limits_.effectivePressure())
        return;
    // Idle slots are in the order they became idle: stop at the first recent one.
    for (auto& slot : slots_) {
        if (!slot->idle || slot->closing)
            continue;
        if (slot->since > cutoff)
            break;
        slot->closing = true;
        if (auto connection = slot->connection.lock())
            victims.push_back(std::move(connection));
    }
}

bool ConnectionRegistry::underPressure() const
{
    std::lock_guard lock(mutex_);
    return slots_.size() > limits_.effectivePressure();
}

std::size_t ConnectionRegistry::open() const
{
    std::lock_guard lock(mutex_);
    return slots_.size();
}

void ConnectionRegistry::closeAll()
{
    std::vector<std::shared_ptr<Closable>> victims;
    {
        std::lock_guard lock(mutex_);
        for (auto& slot : slots_) {
            slot->closing = true;
            if (auto connection = slot->connection.lock())
                victims.push_back(std::move(connection));
        }
    }
    for (auto& victim : victims)
        victim->closeSoon(Closable::Reason::Shutdown);
}

} // namespace certgate::net
