namespace EdgeProxy.Http;

/// <summary>A parsed response head from an upstream.</summary>
internal sealed class ResponseHead(int maxHeaders)
{
    public int StatusCode;
    public HttpVersion Version;

    /// <summary>Offset and length of the whole status line without CRLF (reason phrase included).</summary>
    public int ReasonStart;
    public int ReasonLength;
    public readonly MessageHeaders Headers = new(maxHeaders);

    public ReadOnlySpan<byte> Reason(ReadOnlySpan<byte> head) => head.Slice(ReasonStart, ReasonLength);

    /// <summary>RFC 9112 §6.3: how the body that follows this head is delimited.</summary>
    public BodyFraming Framing(bool requestWasHead)
    {
        if (requestWasHead || StatusCode < 200 || StatusCode == 204 || StatusCode == 304)
        {
            return BodyFraming.None;
        }

        if (Headers.Chunked)
        {
            return BodyFraming.Chunked;
        }

        if (Headers.HasContentLength)
        {
            return Headers.ContentLength == 0 ? BodyFraming.None : BodyFraming.ContentLength;
        }

        return BodyFraming.UntilClose;
    }

    public bool KeepAlive => Version == HttpVersion.Http11 ? !Headers.ConnectionClose : Headers.ConnectionKeepAlive && !Headers.ConnectionClose;
}
