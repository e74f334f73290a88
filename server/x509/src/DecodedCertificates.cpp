#include "DecodedCertificates.hpp"

#include "CertificateParser.hpp"

namespace certgate::x509 {

DecodedCertificates::DecodedCertificates(std::size_t capacity, std::size_t maxBytes)
    : capacity_(capacity)
    , maxBytes_(maxBytes)
{
}

ossl::X509Ptr DecodedCertificates::get(std::span<const std::uint8_t> der) const
{
    if (capacity_ == 0 || der.size() > maxBytes_)
        return decodeCertificate(der, maxBytes_);
    std::string key(der.begin(), der.end());
    {
        std::lock_guard lock(mutex_);
        if (auto it = entries_.find(key); it != entries_.end())
            return ossl::share(it->second.get());
    }
    auto certificate = decodeCertificate(der, maxBytes_);
    std::lock_guard lock(mutex_);
    auto [it, inserted] = entries_.try_emplace(key, nullptr);
    if (inserted) {
        it->second = ossl::share(certificate.get());
        order_.push_back(std::move(key));
        while (order_.size() > capacity_) {
            entries_.erase(order_.front());
            order_.pop_front();
        }
    }
    return certificate;
}

} // namespace certgate::x509
