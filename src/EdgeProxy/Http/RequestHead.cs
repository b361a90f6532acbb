namespace EdgeProxy.Http;

internal enum HttpVersion : byte
{
    Http10 = 10,
    Http11 = 11,
}

/// <summary>A parsed request head; offsets refer to the contiguous head bytes it was parsed from.</summary>
internal sealed class RequestHead(int maxHeaders)
{
    public int MethodLength;
    public int TargetStart;
    public int TargetLength;

    /// <summary>Length of the path part of the target (up to '?' or the end).</summary>
    public int PathLength;
    public bool IsHead;
    public bool IsOptions;
    public bool IsAbsoluteForm;
    public HttpVersion Version;
    public readonly MessageHeaders Headers = new(maxHeaders);

    public bool KeepAlive => Version == HttpVersion.Http11 ? !Headers.ConnectionClose : Headers.ConnectionKeepAlive && !Headers.ConnectionClose;

    public bool HasBody => Headers.Chunked || Headers.ContentLength > 0;

    public bool ExpectsContinue => Headers.ExpectIndex >= 0;

    /// <summary>A WebSocket (or other) protocol switch: Connection: upgrade plus an Upgrade header, no body.</summary>
    public bool IsUpgrade => Headers.ConnectionUpgrade && Headers.UpgradeIndex >= 0;

    /// <summary>A CORS preflight (Fetch standard §3.2.2): OPTIONS with <c>Origin</c> and <c>Access-Control-Request-Method</c>.</summary>
    public bool IsCorsPreflight => IsOptions && Headers.OriginIndex >= 0 && Headers.RequestMethodIndex >= 0;

    public ReadOnlySpan<byte> Method(ReadOnlySpan<byte> head) => head[..MethodLength];

    public ReadOnlySpan<byte> Target(ReadOnlySpan<byte> head) => head.Slice(TargetStart, TargetLength);

    public ReadOnlySpan<byte> Path(ReadOnlySpan<byte> head) => head.Slice(TargetStart, PathLength);

    /// <summary>The query including its '?', or empty.</summary>
    public ReadOnlySpan<byte> Query(ReadOnlySpan<byte> head) => head.Slice(TargetStart + PathLength, TargetLength - PathLength);

    public ReadOnlySpan<byte> Host(ReadOnlySpan<byte> head) => Headers.HostIndex < 0 ? default : Headers.Value(head, Headers.HostIndex);
}
