#include "TlsContext.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <stdexcept>

namespace certgate::net {
namespace {

std::string lastOpenSslError()
{
    auto code = ERR_get_error();
    if (!code)
        return "unknown error";
    char text[256];
    ERR_error_string_n(code, text, sizeof text);
    ERR_clear_error();
    return text;
}

} // namespace

boost::asio::ssl::context makeTlsContext(const TlsSettings& settings)
{
    namespace ssl = boost::asio::ssl;
    ssl::context context(ssl::context::tls_server);
    SSL_CTX* ctx = context.native_handle();
    int minimum = settings.minVersion == "TLSv1.3" ? TLS1_3_VERSION : TLS1_2_VERSION;
    if (settings.minVersion != "TLSv1.2" && settings.minVersion != "TLSv1.3")
        throw std::runtime_error(
            "TLS minimum version must be TLSv1.2 or TLSv1.3, not \"" + settings.minVersion + "\"");
    SSL_CTX_set_min_proto_version(ctx, minimum);
    SSL_CTX_set_options(
        ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    if (SSL_CTX_set_cipher_list(ctx, settings.ciphers.c_str()) != 1)
        throw std::runtime_error(
            "no usable TLS 1.2 cipher in \"" + settings.ciphers + "\": " + lastOpenSslError());
    if (SSL_CTX_use_certificate_chain_file(ctx, settings.certificate.c_str()) != 1)
        throw std::runtime_error(
            "cannot use TLS certificate " + settings.certificate + ": " + lastOpenSslError());
    if (SSL_CTX_use_PrivateKey_file(ctx, settings.privateKey.c_str(), SSL_FILETYPE_PEM) != 1)
        throw std::runtime_error(
            "cannot use TLS private key " + settings.privateKey + ": " + lastOpenSslError());
    if (SSL_CTX_check_private_key(ctx) != 1)
        throw std::runtime_error("TLS private key " + settings.privateKey
            + " does not match certificate " + settings.certificate);
    // Resumption spares a browser's every new connection a full handshake.
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
    SSL_CTX_sess_set_cache_size(ctx, 20000);
    SSL_CTX_set_timeout(ctx, 300);
    static const unsigned char sessionContext[] = "certgate";
    SSL_CTX_set_session_id_context(ctx, sessionContext, sizeof sessionContext - 1);
    // Fewer, larger TLS records for small answers; OpenSSL frees idle buffers.
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
    return context;
}

} // namespace certgate::net
