#include <certgate/core/Error.hpp>
#include <certgate/core/KeyRing.hpp>

#include <openssl/crypto.h>

#include <charconv>
#include <map>
#include <stdexcept>

namespace certgate::core {
namespace {

constexpr std::size_t kMinKeyBytes = 32;

std::uint64_t number(const std::string& id)
{
    std::uint64_t value = 0;
    auto [end, error] = std::from_chars(id.data(), id.data() + id.size(), value);
    if (error != std::errc {} || end != id.data() + id.size() || value == 0 || id.front() == '0'
        || id.size() > 9)
        return 0;
    return value;
}

} // namespace

struct KeyRing::Snapshot {
    std::map<std::uint64_t, std::vector<std::uint8_t>> keys;
    ~Snapshot()
    {
        for (auto& entry : keys)
            OPENSSL_cleanse(entry.second.data(), entry.second.size());
    }
};

KeyRing::KeyRing(std::vector<RingKey> keys, Source source)
    : source_(std::move(source))
    , snapshot_(build(std::move(keys)))
{
}

KeyRing::KeyRing(const std::vector<std::uint8_t>& onlyKey)
    : KeyRing(std::vector<RingKey> { { "1", onlyKey } })
{
}

std::shared_ptr<const KeyRing::Snapshot> KeyRing::build(std::vector<RingKey> keys)
{
    if (keys.empty())
        throw std::invalid_argument("a key ring needs at least one key");
    auto snapshot = std::make_shared<Snapshot>();
    for (auto& key : keys) {
        const auto id = number(key.id);
        if (id == 0)
            throw std::invalid_argument("key id \"" + key.id + "\" is not a number from 1");
        if (key.bytes.size() < kMinKeyBytes)
            throw std::invalid_argument("key " + key.id + " is shorter than 32 bytes");
        if (!snapshot->keys.emplace(id, std::move(key.bytes)).second)
            throw std::invalid_argument("key id " + key.id + " appears twice");
    }
    return snapshot;
}

std::shared_ptr<const KeyRing::Snapshot> KeyRing::snapshot() const
{
    std::lock_guard lock(mutex_);
    return snapshot_;
}

KeyRing::Current KeyRing::current() const
{
    auto snapshot = this->snapshot();
    const auto& newest = *snapshot->keys.rbegin();
    return { std::to_string(newest.first), KeyBytes(snapshot, &newest.second) };
}

bool KeyRing::has(const std::string& id) const
{
    return snapshot()->keys.count(number(id)) > 0;
}

KeyRing::KeyBytes KeyRing::key(const std::string& id) const
{
    const auto wanted = number(id);
    for (int attempt = 0; attempt < 2; ++attempt) {
        auto snapshot = this->snapshot();
        if (auto found = snapshot->keys.find(wanted); found != snapshot->keys.end())
            return KeyBytes(snapshot, &found->second);
        if (attempt > 0 || !source_ || wanted == 0)
            break;
        reload();
    }
    throw Error(ErrorCode::InternalError, "key " + id + " is not in the key ring");
}

std::vector<std::string> KeyRing::ids() const
{
    std::vector<std::string> out;
    for (const auto& entry : snapshot()->keys)
        out.push_back(std::to_string(entry.first));
    return out;
}

void KeyRing::reload() const
{
    if (!source_)
        return;
    auto fresh = build(source_());
    std::lock_guard lock(mutex_);
    snapshot_ = std::move(fresh);
}

bool KeyRing::validId(const std::string& id)
{
    return number(id) != 0;
}

std::string KeyRing::nextId(const std::vector<std::string>& ids)
{
    std::uint64_t highest = 0;
    for (const auto& id : ids)
        highest = std::max(highest, number(id));
    return std::to_string(highest + 1);
}

} // namespace certgate::core
