namespace EdgeProxy.LoadTests.Http;

/// <summary>
/// Why a request did not count as a success. The names appear in JSON reports that tooling compares across runs:
/// append only, never renumber (pinned by a test).
/// </summary>
internal enum ErrorKind
{
    None = 0,

    /// <summary>A response arrived, with a status outside the step's <c>expect_status</c>.</summary>
    UnexpectedStatus = 1,

    /// <summary>The TCP connection could not be opened (refused, unreachable).</summary>
    ConnectFailed = 2,

    /// <summary>No complete response within the scenario's timeout.</summary>
    Timeout = 3,

    /// <summary>The target closed or reset the connection before the response was complete.</summary>
    ConnectionClosed = 4,

    /// <summary>The response was not valid HTTP/1.1 (or the WebSocket echo did not match).</summary>
    ProtocolError = 5,

    /// <summary>Open model: the iteration's intended start was more than the timeout ago when a connection was free.</summary>
    Missed = 6,
}

internal static class ErrorKinds
{
    public static readonly string[] Names = ["none", "unexpected_status", "connect_failed", "timeout", "connection_closed", "protocol_error", "missed"];

    public static string Name(this ErrorKind kind) => Names[(int)kind];
}
