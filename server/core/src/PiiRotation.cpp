#include <certgate/core/Crypto.hpp>
#include <certgate/core/Error.hpp>
#include <certgate/core/PiiRotation.hpp>

#include <stdexcept>

namespace certgate::core {
namespace {

std::string json(const std::string& key, const std::string& name, std::int64_t value)
{
    return R"({"key":")" + key + R"(",")" + name + R"(":)" + std::to_string(value) + "}";
}

} // namespace

PiiRotation::PiiRotation(Storage& storage, const PiiProtector& pii, const AuditLog& audit)
    : storage_(storage)
    , pii_(pii)
    , audit_(audit)
{
}

std::int64_t PiiRotation::remaining() const
{
    return storage_.countNationalIds(PiiProtector::ciphertextPrefix(pii_.currentKeyId()), false);
}

bool PiiRotation::batch(const std::string& actor, NationalIdTable table, std::string& after,
    int batchSize, Progress& progress) const
{
    const auto prefix = PiiProtector::ciphertextPrefix(progress.key);
    auto rows = storage_.listNationalIdsNotUnder(table, prefix, after, batchSize);
    if (rows.empty())
        return false;
    after = rows.back().id;
    std::int64_t rewritten = 0, meanwhile = 0, unreadable = 0;
    storage_.transaction([&](Storage& tx) {
        rewritten = meanwhile = unreadable = 0;
        for (const auto& row : rows) {
            std::string plain;
            try {
                plain = pii_.decrypt(row.enc);
            } catch (const Error&) {
                ++unreadable;
                continue;
            }
            auto enc = pii_.encrypt(plain);
            auto hash = pii_.hash(plain);
            wipe(plain);
            if (PiiProtector::keyIdOf(enc) != progress.key)
                throw std::runtime_error("the personal-data key changed during the rotation");
            if (tx.rewriteNationalId(table, row, enc, hash))
                ++rewritten;
            else
                ++meanwhile;
        }
        audit_.append(tx,
            { actor, "keys.pii-rotate.batch", "ok", "", "",
                table == NationalIdTable::Managers ? "managers" : "operators",
                R"({"key":")" + progress.key + R"(","rows":)" + std::to_string(rewritten)
                    + R"(,"changedMeanwhile":)" + std::to_string(meanwhile) + R"(,"unreadable":)"
                    + std::to_string(unreadable) + "}" });
    });
    progress.rewritten += rewritten;
    progress.changedMeanwhile += meanwhile;
    progress.unreadable += unreadable;
    ++progress.batches;
    return static_cast<int>(rows.size()) == batchSize;
}

PiiRotation::Progress PiiRotation::run(
    const std::string& actor, int batchSize, int maxBatches) const
{
    if (batchSize < 1)
        throw std::invalid_argument("the batch size must be at least 1");
    Progress progress;
    progress.key = pii_.currentKeyId();
    audit_.append({ actor, "keys.pii-rotate.start", "ok", "", "", "",
        json(progress.key, "remaining", remaining()) });
    bool paused = false;
    for (auto table : { NationalIdTable::Managers, NationalIdTable::Operators }) {
        std::string after;
        while (!paused) {
            if (maxBatches > 0 && progress.batches >= maxBatches) {
                paused = true;
                break;
            }
            if (!batch(actor, table, after, batchSize, progress))
                break;
        }
    }
    progress.remaining = remaining();
    progress.finished = progress.remaining == 0;
    if (progress.finished)
        audit_.append({ actor, "keys.pii-rotate.done", "ok", "", "", "",
            json(progress.key, "rows", progress.rewritten) });
    else
        audit_.append({ actor, "keys.pii-rotate.paused", "ok", "", "", "",
            json(progress.key, "remaining", progress.remaining) });
    return progress;
}

} // namespace certgate::core
