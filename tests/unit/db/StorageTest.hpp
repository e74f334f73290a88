#pragma once

#include "DatabaseFixture.hpp"
#include "Samples.hpp"

#include <certgate/db/SociStorage.hpp>

#include <memory>
#include <string>
#include <vector>

namespace certgate::db::test {

/// The ids of `records`, in order.
template <typename Records> std::vector<std::string> idsOf(const Records& records)
{
    std::vector<std::string> ids;
    for (const auto& r : records)
        ids.push_back(r.id);
    return ids;
}

/// A migrated scratch database and a SociStorage on it, for the suites that run on both
/// backends.
class StorageTest : public DatabaseTest {
protected:
    void SetUp() override
    {
        migrate();
        storage_ = std::make_unique<SociStorage>(config());
    }

    /// An agency with a flow, the parents most records need.
    void seedAgency(const std::string& code = "A0001") { storage_->upsertAgency(agency(code)); }

    std::unique_ptr<SociStorage> storage_;
};

} // namespace certgate::db::test
