// BM_AgentSignRoundTrip: POST /v1/sign to a real certgate-agent on a SoftHSM2 token of the test
// PKI (HTTP, fresh slot enumeration, one login, RSA-2048 PKCS#1 v1.5 signature, logout).
// BM_Pkcs11ToolSign: what a support person would do by hand: spawn pkcs11-tool, which loads the
// module, logs in and signs the same 64 bytes on the same token.
#include "AgentProcess.hpp"

#include <certgate/test/TestPki.hpp>

#include <benchmark/benchmark.h>

#include <memory>

using namespace certgate::test;

namespace {

/// One private copy of the tokens and one agent for the whole run.
struct Bench {
    Bench()
        : dir("certgate-agent-bench")
        , conf(copySofthsmTokens(dir.path()))
        , agent(withModule({}, conf))
    {
        writeTextFile(dir.file("data.bin"), std::string(64, 'x'));
    }
    TempDir dir;
    std::string conf;
    AgentProcess agent;
};

Bench& bench()
{
    static Bench instance;
    return instance;
}

void BM_AgentSignRoundTrip(benchmark::State& state)
{
    auto& b = bench();
    const auto& pin = TestPki::get().pin();
    for (auto _ : state) {
        auto response = b.agent.sign("moica-wang", randomNonce(), pin);
        if (response.status != 200) {
            state.SkipWithError(("agent answered " + response.body).c_str());
            break;
        }
        benchmark::DoNotOptimize(response.body.data());
    }
}

void BM_Pkcs11ToolSign(benchmark::State& state)
{
    auto& b = bench();
    const auto& pki = TestPki::get();
    // By slot: pkcs11-tool's --token-label also matches "moica-wang-renewed".
    std::vector<std::string> args { "--module", pki.module(), "--slot", pki.card("moica-wang").slot,
        "--login", "--pin", pki.pin(), "--sign", "--mechanism", "SHA256-RSA-PKCS", "--id", "01",
        "--input-file", b.dir.file("data.bin"), "--output-file", b.dir.file("sig.bin") };
    for (auto _ : state) {
        auto result = run("pkcs11-tool", args, { { "SOFTHSM2_CONF", b.conf } });
        if (result.exitCode != 0) {
            state.SkipWithError(("pkcs11-tool failed: " + result.output).c_str());
            break;
        }
    }
}

} // namespace

BENCHMARK(BM_AgentSignRoundTrip)->Unit(benchmark::kMillisecond)->MinTime(3.0);
BENCHMARK(BM_Pkcs11ToolSign)->Unit(benchmark::kMillisecond)->MinTime(3.0);

BENCHMARK_MAIN();
