#pragma once

#include <certgate/net/HttpEngine.hpp>

#include <boost/asio/ssl/context.hpp>

namespace certgate::net {

/// The server's TLS context: certificate chain and key, TLS 1.2+ with ECDHE + AEAD suites only,
/// server-side session cache and tickets on (browsers resume), no renegotiation, no
/// compression. Throws std::runtime_error naming what is wrong.
boost::asio::ssl::context makeTlsContext(const TlsSettings& settings);

} // namespace certgate::net
