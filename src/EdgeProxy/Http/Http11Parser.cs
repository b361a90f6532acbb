using System.Buffers.Text;
using System.Text;

namespace EdgeProxy.Http;

/// <summary>
/// Strict HTTP/1.1 head parser (RFC 9112) over a contiguous head whose end <see cref="HeadFramer"/> found.
/// It only records offsets; nothing is copied or allocated. Anything that could let two parties disagree on
/// where a message ends is refused (see <see cref="RejectReason"/>).
/// </summary>
internal static class Http11Parser
{
    public static void ParseRequest(ReadOnlySpan<byte> head, RequestHead request, int maxHeaders)
    {
        var lineEnd = head.IndexOf("\r\n"u8);
        var line = head[..lineEnd];

        var sp1 = line.IndexOf((byte)' ');
        if (sp1 <= 0)
        {
            BadRequestException.Throw(RejectReason.InvalidRequestLine);
        }

        if (!HttpChars.IsToken(line[..sp1]))
        {
            BadRequestException.Throw(RejectReason.InvalidMethod);
        }

        var afterMethod = line[(sp1 + 1)..];
        var sp2 = afterMethod.IndexOf((byte)' ');
        if (sp2 <= 0)
        {
            BadRequestException.Throw(RejectReason.InvalidRequestLine);
        }

        var target = afterMethod[..sp2];
        var version = afterMethod[(sp2 + 1)..];
        if (!HttpChars.IsTarget(target))
        {
            BadRequestException.Throw(RejectReason.InvalidRequestTarget);
        }

        request.Version = ParseVersion(version, isRequest: true);
        request.MethodLength = sp1;
        request.IsHead = sp1 == 4 && line[..4].SequenceEqual("HEAD"u8);
        request.IsOptions = sp1 == 7 && line[..7].SequenceEqual("OPTIONS"u8);
        request.TargetStart = sp1 + 1;
        request.TargetLength = sp2;
        request.IsAbsoluteForm = false;

        if (target[0] == (byte)'/')
        {
            var q = target.IndexOf((byte)'?');
            request.PathLength = q < 0 ? target.Length : q;
        }
        else if (target.Length == 1 && target[0] == (byte)'*')
        {
            if (!line[..sp1].SequenceEqual("OPTIONS"u8))
            {
                BadRequestException.Throw(RejectReason.InvalidRequestTarget);
            }

            request.PathLength = 1;
        }
        else if (line[..sp1].SequenceEqual("CONNECT"u8))
        {
            BadRequestException.Throw(RejectReason.MethodNotSupported);
        }
        else
        {
            ParseAbsoluteForm(target, request);
        }

        ParseHeaders(head, lineEnd + 2, request.Headers, maxHeaders, isRequest: true);

        var headers = request.Headers;
        if (request.Version == HttpVersion.Http11 && headers.HostIndex < 0)
        {
            BadRequestException.Throw(RejectReason.MissingHost);
        }

        if (headers.HasTransferEncoding && request.Version == HttpVersion.Http10)
        {
            BadRequestException.Throw(RejectReason.InvalidTransferEncoding);
        }

        headers.MarkHopByHop(head);
    }

    /// <summary>Parses an upstream's response head. Malformed input throws <see cref="BadResponseException"/>.</summary>
    public static void ParseResponse(ReadOnlySpan<byte> head, ResponseHead response, int maxHeaders)
    {
        var lineEnd = head.IndexOf("\r\n"u8);
        var line = head[..lineEnd];

        // status-line = HTTP-version SP status-code SP [ reason-phrase ]
        if (line.Length < 12 || line[8] != (byte)' ' || (line.Length > 12 && line[12] != (byte)' '))
        {
            BadResponseException.Throw("malformed status line");
        }

        try
        {
            response.Version = ParseVersion(line[..8], isRequest: false);
        }
        catch (BadRequestException)
        {
            BadResponseException.Throw("unsupported HTTP version in status line");
        }

        var code = line.Slice(9, 3);
        if (!Utf8Parser.TryParse(code, out int status, out var consumed) || consumed != 3 || status < 100)
        {
            BadResponseException.Throw("invalid status code");
        }

        response.StatusCode = status;
        response.ReasonStart = line.Length > 12 ? 13 : 12;
        response.ReasonLength = line.Length > 12 ? line.Length - 13 : 0;
        if (!HttpChars.IsFieldValue(response.Reason(head)))
        {
            BadResponseException.Throw("invalid reason phrase");
        }

        try
        {
            ParseHeaders(head, lineEnd + 2, response.Headers, maxHeaders, isRequest: false);
        }
        catch (BadRequestException e)
        {
            BadResponseException.Throw(e.Message);
        }

        response.Headers.MarkHopByHop(head);
    }

    private static HttpVersion ParseVersion(ReadOnlySpan<byte> version, bool isRequest)
    {
        if (version.Length != 8 || !version[..5].SequenceEqual("HTTP/"u8) || version[6] != (byte)'.'
            || !char.IsAsciiDigit((char)version[5]) || !char.IsAsciiDigit((char)version[7]))
        {
            BadRequestException.Throw(RejectReason.InvalidVersion);
        }

        if (version[5] == (byte)'1' && version[7] == (byte)'1')
        {
            return HttpVersion.Http11;
        }

        if (version[5] == (byte)'1' && version[7] == (byte)'0')
        {
            return HttpVersion.Http10;
        }

        BadRequestException.Throw(isRequest ? RejectReason.UnsupportedVersion : RejectReason.InvalidVersion);
        return default;
    }

    /// <summary>absolute-form (a request to a proxy): the path starts after the authority.</summary>
    private static void ParseAbsoluteForm(ReadOnlySpan<byte> target, RequestHead request)
    {
        int schemeEnd;
        if (target.Length > 7 && Ascii.EqualsIgnoreCase(target[..7], "http://"u8))
        {
            schemeEnd = 7;
        }
        else if (target.Length > 8 && Ascii.EqualsIgnoreCase(target[..8], "https://"u8))
        {
            schemeEnd = 8;
        }
        else
        {
            BadRequestException.Throw(RejectReason.InvalidRequestTarget);
            return;
        }

        var rest = target[schemeEnd..];
        var slash = rest.IndexOfAny((byte)'/', (byte)'?');
        if (slash == 0)
        {
            BadRequestException.Throw(RejectReason.InvalidRequestTarget);
        }

        if (slash < 0 || rest[slash] != (byte)'/')
        {
            // "http://host" or "http://host?q" has an empty path, which cannot be forwarded in origin-form without rewriting.
            BadRequestException.Throw(RejectReason.InvalidRequestTarget);
        }

        var pathStart = schemeEnd + slash;
        request.IsAbsoluteForm = true;
        request.TargetStart += pathStart;
        request.TargetLength -= pathStart;
        var path = target[pathStart..];
        var q = path.IndexOf((byte)'?');
        request.PathLength = q < 0 ? path.Length : q;
    }

    private static void ParseHeaders(ReadOnlySpan<byte> head, int pos, MessageHeaders headers, int maxHeaders, bool isRequest)
    {
        headers.Reset();
        while (true)
        {
            var rel = head[pos..].IndexOf("\r\n"u8);
            if (rel == 0)
            {
                return;
            }

            var line = head.Slice(pos, rel);
            if (line[0] == (byte)' ' || line[0] == (byte)'\t')
            {
                BadRequestException.Throw(RejectReason.ObsoleteLineFolding);
            }

            if (line.IndexOf((byte)'\r') >= 0)
            {
                BadRequestException.Throw(RejectReason.BareCarriageReturn);
            }

            var colon = line.IndexOf((byte)':');
            if (colon <= 0)
            {
                BadRequestException.Throw(RejectReason.InvalidHeaderName);
            }

            var name = line[..colon];
            if (name[^1] == (byte)' ' || name[^1] == (byte)'\t')
            {
                BadRequestException.Throw(RejectReason.WhitespaceBeforeColon);
            }

            if (!HttpChars.IsToken(name))
            {
                BadRequestException.Throw(RejectReason.InvalidHeaderName);
            }

            var rawValue = line[(colon + 1)..];
            if (!HttpChars.IsFieldValue(rawValue))
            {
                BadRequestException.Throw(RejectReason.InvalidHeaderValue);
            }

            var value = HttpChars.TrimOws(rawValue);
            if (headers.Count == maxHeaders)
            {
                BadRequestException.Throw(RejectReason.TooManyHeaders);
            }

            var index = headers.Count++;
            ref var entry = ref headers.Entries[index];
            entry.NameStart = pos;
            entry.NameLength = colon;
            entry.ValueLength = value.Length;
            entry.ValueStart = pos + colon + 1 + LeadingOws(rawValue);
            entry.Known = KnownHeaders.Classify(name);
            entry.Drop = false;
            OnKnownHeader(headers, index, value, isRequest);
            pos += rel + 2;
        }
    }

    private static int LeadingOws(ReadOnlySpan<byte> value)
    {
        var i = 0;
        while (i < value.Length && (value[i] == ' ' || value[i] == '\t'))
        {
            i++;
        }

        return i;
    }

    private static void OnKnownHeader(MessageHeaders headers, int index, ReadOnlySpan<byte> value, bool isRequest)
    {
        switch (headers.Entries[index].Known)
        {
            case KnownHeader.Host when isRequest:
                if (headers.HostIndex >= 0)
                {
                    BadRequestException.Throw(RejectReason.DuplicateHost);
                }

                headers.HostIndex = index;
                break;
            case KnownHeader.ContentLength:
                if (headers.HasContentLength)
                {
                    BadRequestException.Throw(RejectReason.DuplicateContentLength);
                }

                if (headers.HasTransferEncoding)
                {
                    BadRequestException.Throw(RejectReason.ContentLengthAndTransferEncoding);
                }

                headers.HasContentLength = true;
                headers.ContentLength = ParseContentLength(value);
                break;
            case KnownHeader.TransferEncoding:
                if (headers.HasContentLength)
                {
                    BadRequestException.Throw(RejectReason.ContentLengthAndTransferEncoding);
                }

                if (headers.HasTransferEncoding)
                {
                    // A second Transfer-Encoding line would extend the coding list; we accept exactly one "chunked".
                    BadRequestException.Throw(RejectReason.InvalidTransferEncoding);
                }

                headers.HasTransferEncoding = true;
                headers.Chunked = ParseTransferEncoding(value);
                break;
            case KnownHeader.Upgrade:
                headers.UpgradeIndex = index;
                break;
            case KnownHeader.Expect when isRequest:
                if (!Ascii.EqualsIgnoreCase(value, "100-continue"u8))
                {
                    BadRequestException.Throw(RejectReason.ExpectationFailed);
                }

                headers.ExpectIndex = index;
                break;
            case KnownHeader.XRequestId:
                headers.RequestIdIndex = index;
                break;
            case KnownHeader.Origin when isRequest && headers.OriginIndex < 0:
                headers.OriginIndex = index;
                break;
            case KnownHeader.AccessControlRequestMethod when isRequest && headers.RequestMethodIndex < 0:
                headers.RequestMethodIndex = index;
                break;
            case KnownHeader.AccessControlRequestHeaders when isRequest && headers.RequestHeadersIndex < 0:
                headers.RequestHeadersIndex = index;
                break;
        }
    }

    private static long ParseContentLength(ReadOnlySpan<byte> value)
    {
        // Digits only: no sign, no whitespace, no list ("5, 5"), at most 18 digits so it cannot overflow.
        if (value.IsEmpty || value.Length > 18)
        {
            BadRequestException.Throw(RejectReason.InvalidContentLength);
        }

        long result = 0;
        foreach (var b in value)
        {
            var digit = b - (byte)'0';
            if ((uint)digit > 9)
            {
                BadRequestException.Throw(RejectReason.InvalidContentLength);
            }

            result = (result * 10) + digit;
        }

        return result;
    }

    /// <summary>
    /// Accepts exactly "chunked". Other codings before a final chunked are 501 (we implement none of them);
    /// a list that does not end in chunked, or applies chunked twice, cannot be framed and is 400 (RFC 9112 §6.3).
    /// </summary>
    private static bool ParseTransferEncoding(ReadOnlySpan<byte> value)
    {
        if (Ascii.EqualsIgnoreCase(value, "chunked"u8))
        {
            return true;
        }

        var lastComma = value.LastIndexOf((byte)',');
        var last = HttpChars.TrimOws(lastComma < 0 ? value : value[(lastComma + 1)..]);
        if (lastComma < 0 || !Ascii.EqualsIgnoreCase(last, "chunked"u8))
        {
            BadRequestException.Throw(RejectReason.InvalidTransferEncoding);
        }

        var before = value[..lastComma];
        while (!before.IsEmpty)
        {
            var comma = before.IndexOf((byte)',');
            var coding = HttpChars.TrimOws(comma < 0 ? before : before[..comma]);
            before = comma < 0 ? default : before[(comma + 1)..];
            if (!HttpChars.IsToken(coding) || Ascii.EqualsIgnoreCase(coding, "chunked"u8))
            {
                BadRequestException.Throw(RejectReason.InvalidTransferEncoding);
            }
        }

        BadRequestException.Throw(RejectReason.UnsupportedTransferEncoding);
        return false;
    }
}

/// <summary>An upstream sent something that is not a valid HTTP/1.1 response; answered 502.</summary>
internal sealed class BadResponseException(string message) : Exception(message)
{
    [System.Diagnostics.CodeAnalysis.DoesNotReturn, System.Diagnostics.StackTraceHidden]
    public static void Throw(string message) => throw new BadResponseException(message);
}
