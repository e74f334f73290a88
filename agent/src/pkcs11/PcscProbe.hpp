#pragma once

#include <string>

namespace certgate::agent::pkcs11 {

/// Whether the module reaches cards through PC/SC, judged by its file name: OpenSC, the HiCOS
/// library and anything whose name speaks of PC/SC or smart cards. SoftHSM2 and the test double
/// are not. The agent only asks pcscd about PC/SC modules.
bool moduleUsesPcsc(const std::string& modulePath);

/// True unless SCardEstablishContext answers SCARD_E_NO_SERVICE. OpenSC's C_Initialize succeeds
/// without pcscd and then just shows no slots, so this is the only way to tell the person to
/// start the service rather than to plug in a reader.
bool pcscdRunning();

} // namespace certgate::agent::pkcs11
