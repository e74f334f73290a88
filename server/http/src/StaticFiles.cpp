#include "StaticFiles.hpp"

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace certgate::http {

namespace {

const std::map<std::string, std::string> kTypes {
    { ".html", "text/html; charset=utf-8" },
    { ".js", "text/javascript; charset=utf-8" },
    { ".mjs", "text/javascript; charset=utf-8" },
    { ".css", "text/css; charset=utf-8" },
    { ".json", "application/json; charset=utf-8" },
    { ".svg", "image/svg+xml" },
    { ".png", "image/png" },
    { ".ico", "image/x-icon" },
    { ".txt", "text/plain; charset=utf-8" },
};

} // namespace

bool serveStatic(Context& ctx, const std::string& webRoot, const std::string& vendorRoot)
{
    if (ctx.method() != "GET" && ctx.method() != "HEAD")
        return false;
    auto path = ctx.path();
    if (path.find("..") != std::string::npos || path.find('\0') != std::string::npos || path.empty()
        || path[0] != '/')
        return false;
    constexpr std::string_view vendor = "/vendor/";
    const bool vendored = path.rfind(vendor, 0) == 0;
    const auto& rootDir = vendored ? vendorRoot : webRoot;
    if (rootDir.empty())
        return false;
    if (vendored)
        path.erase(0, vendor.size() - 1);
    if (path == "/admin")
        path = "/admin/";
    if (path.back() == '/')
        path += "index.html";
    namespace fs = std::filesystem;
    std::error_code ec;
    auto root = fs::canonical(rootDir, ec);
    if (ec)
        return false;
    auto file = fs::weakly_canonical(root / path.substr(1), ec);
    if (ec || file.string().rfind(root.string() + "/", 0) != 0 || !fs::is_regular_file(file, ec))
        return false;
    auto type = kTypes.find(file.extension().string());
    if (type == kTypes.end())
        return false;
    std::ifstream in(file, std::ios::binary);
    std::ostringstream content;
    content << in.rdbuf();
    // Pages are small and change with releases: revalidate rather than cache blindly. (The
    // engine sends a HEAD answer's length without its body.)
    ctx.send(200, type->second, content.str(), "no-cache");
    return true;
}

} // namespace certgate::http
