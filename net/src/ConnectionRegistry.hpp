#pragma once

#include <certgate/net/Limits.hpp>

#include <chrono>
#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace certgate::net {

/// What the registry may ask of a connection: to close itself, on its own executor.
class Closable {
public:
    enum class Reason { Evicted, Pressure, Shutdown };
    virtual ~Closable() = default;
    virtual void closeSoon(Reason reason) = 0;
};

/// Every open connection, in the order in which they last became idle. A connection is
/// "idle" from accept (or the end of its previous answer) until its request headers are
/// complete, and while in a TLS handshake: a connection that only holds a socket. At a cap the
/// one idle longest is closed to make room; only when none is idle is the newcomer refused.
class ConnectionRegistry {
public:
    using Clock = std::chrono::steady_clock;
    class Slot;
    using SlotPtr = std::shared_ptr<Slot>;

    enum class Admission { Admitted, Refused };

    ConnectionRegistry(const Limits& limits, std::vector<std::string> exemptAddresses);

    /// Registers a new connection (idle). Closes idle ones to stay within the caps; Refused
    /// when nothing could be closed (the caller answers 503 and closes, unregistered).
    Admission admit(const std::shared_ptr<Closable>& connection, const std::string& address,
        SlotPtr& slot, std::uint64_t& evicted);
    void setIdle(const SlotPtr& slot, bool idle);
    void remove(const SlotPtr& slot);

    /// Under pressure, closes the connections idle longer than the pressure timeout; returns
    /// how many it asked to close.
    std::size_t sweep();
    bool underPressure() const;
    std::size_t open() const;
    /// Asks every connection to close (server stopping).
    void closeAll();

private:
    using Victims = std::vector<std::shared_ptr<Closable>>;
    Admission admitLocked(const std::shared_ptr<Closable>& connection, const std::string& address,
        SlotPtr& slot, std::uint64_t& evicted, Victims& victims);
    bool evictOne(const std::string* address, Victims& victims);
    void collectIdleSince(Clock::time_point cutoff, Victims& victims);

    Limits limits_;
    std::unordered_set<std::string> exempt_;
    mutable std::mutex mutex_;
    std::list<SlotPtr> slots_; ///< idle ones in the order they became idle; busy ones anywhere
    std::unordered_map<std::string, std::size_t> perAddress_;
};

class ConnectionRegistry::Slot {
public:
    std::weak_ptr<Closable> connection;
    std::string address;
    bool idle = true;
    bool closing = false;
    Clock::time_point since;
    std::list<SlotPtr>::iterator position;
};

} // namespace certgate::net
