using EdgeProxy.LoadTests.Http;
using EdgeProxy.LoadTests.Scenarios;

namespace EdgeProxy.LoadTests.Engine;

/// <summary>A step ready to run: its config, its request bytes, and the live stats it records into.</summary>
internal sealed class CompiledStep
{
    // Any well-formed key will do: the runner does not check Sec-WebSocket-Accept (an echo that works is the test).
    private const string WebSocketHeaders = "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ZWRnZXByb3h5LWxvYWQtMQ==\r\nSec-WebSocket-Version: 13\r\n";
    private const string SseHeaders = "Accept: text/event-stream\r\nCache-Control: no-cache\r\n";

    public CompiledStep(StepConfig config, ScenarioConfig scenario, StepStats stats)
    {
        Config = config;
        Stats = stats;
        Request = config.Kind switch
        {
            StepKind.WebSocket => new RequestTemplate(config, scenario.Target, keepAlive: true, WebSocketHeaders),
            StepKind.Sse => new RequestTemplate(config, scenario.Target, keepAlive: true, SseHeaders),
            _ => new RequestTemplate(config, scenario.Target, scenario.KeepAlive),
        };
    }

    public StepConfig Config { get; }

    public RequestTemplate Request { get; }

    public StepStats Stats { get; }
}
