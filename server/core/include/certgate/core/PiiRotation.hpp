#pragma once

#include <certgate/core/AuditLog.hpp>
#include <certgate/core/PiiProtector.hpp>
#include <certgate/core/Storage.hpp>

#include <cstdint>
#include <string>

namespace certgate::core {

/// Re-encrypts and re-hashes the stored national IDs under the personal-data key ring's
/// current key (issue 18 item 4): in batches, each one transaction with its audit row, so a
/// crash loses at most the batch under way; resumable, as what remains is simply every row
/// whose value names another key; safe while servers write, as a row changed meanwhile is
/// left to the change (which is under a key of the ring) and found again by the next run.
class PiiRotation {
public:
    PiiRotation(Storage& storage, const PiiProtector& pii, const AuditLog& audit);

    struct Progress {
        std::string key; ///< the current key the rows are moved to
        std::int64_t rewritten = 0;
        std::int64_t changedMeanwhile = 0; ///< rows a server changed between read and write
        std::int64_t unreadable = 0; ///< rows no key of the ring decrypts (they stay)
        std::int64_t batches = 0;
        std::int64_t remaining = 0; ///< rows under other keys after the run
        bool finished = false; ///< nothing remains
    };

    /// Rows under keys other than the current one.
    std::int64_t remaining() const;
    /// Moves them, `batchSize` rows a transaction, stopping after `maxBatches` (0: none) with
    /// the rest left for the next run. Audited: keys.pii-rotate.start, .batch (each), and
    /// .done or .paused.
    Progress run(const std::string& actor, int batchSize, int maxBatches) const;

private:
    /// One batch of `table` after `after`; false when the table has no more.
    bool batch(const std::string& actor, NationalIdTable table, std::string& after, int batchSize,
        Progress& progress) const;

    Storage& storage_;
    const PiiProtector& pii_;
    const AuditLog& audit_;
};

} // namespace certgate::core
