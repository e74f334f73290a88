#pragma once

#include <certgate/core/CaProfile.hpp>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace certgate::pluginhost {

/// A profile file that cannot be used. what() reads "<file>: <field>: <problem>".
class ProfileError : public std::runtime_error {
public:
    ProfileError(std::string file, std::string field, const std::string& problem);
    const std::string& file() const noexcept { return file_; }
    const std::string& field() const noexcept
    {
        return field_;
    } ///< JSON path, e.g. "revocation.mode"

private:
    std::string file_;
    std::string field_;
};

struct ProfileFileError {
    std::string file;
    std::string message; ///< names the file and the field
};

struct LoadedProfiles {
    std::vector<core::CaProfile> profiles; ///< in file-name order
    std::vector<ProfileFileError> errors; ///< one per refused file
};

/// Reads CA profiles (ca-profiles/README.md). Strict: a missing id, plugin or kind, a value of
/// the wrong type, an unknown revocation mode or an unreadable certificate/CRL file refuses
/// the profile. Files named by the profile are read relative to it; their contents go to the
/// Bytes fields and their paths (as resolved) to the *Paths fields.
class ProfileLoader {
public:
    /// Throws ProfileError.
    static core::CaProfile loadFile(const std::filesystem::path& file);

    /// Every `*.json` in `folder`, sorted by name. A broken profile, or one whose id an earlier
    /// file already uses, is reported in `errors` and does not stop the others.
    static LoadedProfiles loadFolder(const std::filesystem::path& folder);
};

} // namespace certgate::pluginhost
