namespace EdgeProxy.Http;

/// <summary>
/// Why a client request was refused before it reached an upstream. Append only: the names are
/// exported as the <c>reason</c> label of <c>edgeproxy_bad_requests_total</c>.
/// </summary>
internal enum RejectReason : byte
{
    None = 0,
    InvalidRequestLine,
    InvalidMethod,
    InvalidRequestTarget,
    InvalidVersion,
    UnsupportedVersion,
    RequestLineTooLong,
    HeadersTooLarge,
    TooManyHeaders,
    BareLineFeed,
    BareCarriageReturn,
    ObsoleteLineFolding,
    WhitespaceBeforeColon,
    InvalidHeaderName,
    InvalidHeaderValue,
    MissingHost,
    DuplicateHost,
    InvalidContentLength,
    DuplicateContentLength,
    ContentLengthAndTransferEncoding,
    InvalidTransferEncoding,
    UnsupportedTransferEncoding,
    InvalidChunk,
    BodyTooLarge,
    HeaderTimeout,
    UnexpectedEndOfRequest,
    MethodNotSupported,
    ExpectationFailed,
}

internal static class RejectReasons
{
    public static int StatusCode(RejectReason reason) => reason switch
    {
        RejectReason.UnsupportedVersion => 505,
        RejectReason.RequestLineTooLong => 414,
        RejectReason.HeadersTooLarge or RejectReason.TooManyHeaders => 431,
        RejectReason.UnsupportedTransferEncoding or RejectReason.MethodNotSupported => 501,
        RejectReason.BodyTooLarge => 413,
        RejectReason.HeaderTimeout => 408,
        RejectReason.ExpectationFailed => 417,
        _ => 400,
    };

    /// <summary>Short text for the JSON error body; fixed strings, so bad input is never echoed back.</summary>
    public static string Message(RejectReason reason) => reason switch
    {
        RejectReason.InvalidRequestLine => "malformed request line",
        RejectReason.InvalidMethod => "invalid method token",
        RejectReason.InvalidRequestTarget => "invalid request target",
        RejectReason.InvalidVersion => "invalid HTTP version",
        RejectReason.UnsupportedVersion => "HTTP version not supported",
        RejectReason.RequestLineTooLong => "request line too long",
        RejectReason.HeadersTooLarge => "request header section too large",
        RejectReason.TooManyHeaders => "too many request headers",
        RejectReason.BareLineFeed => "line feed without carriage return",
        RejectReason.BareCarriageReturn => "carriage return without line feed",
        RejectReason.ObsoleteLineFolding => "obsolete line folding is not allowed",
        RejectReason.WhitespaceBeforeColon => "whitespace between header name and colon",
        RejectReason.InvalidHeaderName => "invalid header name",
        RejectReason.InvalidHeaderValue => "invalid character in header value",
        RejectReason.MissingHost => "missing Host header",
        RejectReason.DuplicateHost => "more than one Host header",
        RejectReason.InvalidContentLength => "invalid Content-Length",
        RejectReason.DuplicateContentLength => "more than one Content-Length",
        RejectReason.ContentLengthAndTransferEncoding => "both Content-Length and Transfer-Encoding",
        RejectReason.InvalidTransferEncoding => "invalid Transfer-Encoding",
        RejectReason.UnsupportedTransferEncoding => "unsupported transfer coding",
        RejectReason.InvalidChunk => "malformed chunked body",
        RejectReason.BodyTooLarge => "request body too large",
        RejectReason.HeaderTimeout => "request header timeout",
        RejectReason.UnexpectedEndOfRequest => "connection closed mid-request",
        RejectReason.MethodNotSupported => "method not supported",
        RejectReason.ExpectationFailed => "only the 100-continue expectation is supported",
        _ => "bad request",
    };
}

/// <summary>Thrown by the parser for bad client input; caught once per connection, answered, and the connection closed.</summary>
internal sealed class BadRequestException(RejectReason reason) : Exception(RejectReasons.Message(reason))
{
    public RejectReason Reason { get; } = reason;

    [System.Diagnostics.CodeAnalysis.DoesNotReturn, System.Diagnostics.StackTraceHidden]
    public static void Throw(RejectReason reason) => throw Create(reason);

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static BadRequestException Create(RejectReason reason) => new(reason);
}
