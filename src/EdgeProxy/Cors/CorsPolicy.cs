using System.Text;
using EdgeProxy.Http;
using EdgeProxy.Policy.Config;

namespace EdgeProxy.Cors;

/// <summary>
/// A route's CORS policy (Fetch standard §3.2) compiled to header blocks: every allowed origin has its actual-response
/// and preflight lines encoded here, so a request finds its origin by an exact byte compare and gets a reference to
/// ready bytes. Nothing is built or allocated per request.
/// </summary>
internal sealed class CorsPolicy
{
    /// <summary>Response headers the gateway owns on a CORS route: an upstream's own copies are dropped so a browser sees one answer.</summary>
    public static readonly byte[][] OwnedResponseHeaders =
    [
        "Access-Control-Allow-Origin"u8.ToArray(),
        "Access-Control-Allow-Credentials"u8.ToArray(),
        "Access-Control-Expose-Headers"u8.ToArray(),
        "Access-Control-Allow-Methods"u8.ToArray(),
        "Access-Control-Allow-Headers"u8.ToArray(),
        "Access-Control-Max-Age"u8.ToArray(),
    ];

    // Whether a response carries the allow headers depends on Origin, so shared caches must key on it even when it does not.
    private static readonly byte[] VaryOrigin = "Vary: Origin\r\n"u8.ToArray();
    private static readonly byte[] VaryPreflight = "Vary: Origin, Access-Control-Request-Method, Access-Control-Request-Headers\r\n"u8.ToArray();

    private readonly byte[][] _origins;
    private readonly bool _anyOrigin;
    private readonly byte[][] _actual;
    private readonly byte[][] _preflight;
    private readonly byte[][] _methods;
    private readonly bool _anyMethod;
    private readonly byte[][] _headers;
    private readonly bool _anyHeader;

    public CorsPolicy(CorsSettings settings)
    {
        Settings = settings;
        _anyOrigin = settings.Origins.Count == 1 && settings.Origins[0] == "*";
        _origins = _anyOrigin ? [] : Encode(settings.Origins);
        _anyMethod = Contains(settings.Methods, "*");
        _methods = Encode(settings.Methods);
        _anyHeader = Contains(settings.Headers, "*");
        _headers = Encode(settings.Headers);

        var origins = _anyOrigin ? ["*"] : settings.Origins.AsSpan().ToArray();
        _actual = new byte[origins.Length][];
        _preflight = new byte[origins.Length][];
        for (var i = 0; i < origins.Length; i++)
        {
            var allow = new StringBuilder();
            allow.Append("Access-Control-Allow-Origin: ").Append(origins[i]).Append("\r\n");
            if (settings.Credentials)
            {
                allow.Append("Access-Control-Allow-Credentials: true\r\n");
            }

            var actual = new StringBuilder().Append(allow);
            if (settings.ExposeHeaders.Count > 0)
            {
                actual.Append("Access-Control-Expose-Headers: ").AppendJoin(", ", settings.ExposeHeaders).Append("\r\n");
            }

            actual.Append("Vary: Origin\r\n");
            _actual[i] = Encoding.ASCII.GetBytes(actual.ToString());

            var preflight = new StringBuilder().Append(allow);
            if (settings.Methods.Count > 0)
            {
                preflight.Append("Access-Control-Allow-Methods: ").AppendJoin(", ", settings.Methods).Append("\r\n");
            }

            if (settings.Headers.Count > 0)
            {
                preflight.Append("Access-Control-Allow-Headers: ").AppendJoin(", ", settings.Headers).Append("\r\n");
            }

            if (settings.MaxAge > TimeSpan.Zero)
            {
                preflight.Append("Access-Control-Max-Age: ").Append((long)settings.MaxAge.TotalSeconds).Append("\r\n");
            }

            preflight.Append("Vary: Origin, Access-Control-Request-Method, Access-Control-Request-Headers\r\n");
            _preflight[i] = Encoding.ASCII.GetBytes(preflight.ToString());
        }
    }

    public CorsSettings Settings { get; }

    /// <summary>
    /// The CORS lines of an actual (non-preflight) response: the allow and expose lines for an allowed origin, only
    /// <c>Vary: Origin</c> for any other request, so a disallowed origin learns nothing and a browser blocks the read.
    /// </summary>
    public byte[] ResponseHeaders(ReadOnlySpan<byte> head, MessageHeaders headers)
    {
        var index = OriginIndex(head, headers);
        return index < 0 ? VaryOrigin : _actual[index];
    }

    /// <summary>
    /// The lines of the 204 answering a preflight: the allow lines when origin, method and every requested header
    /// are allowed; otherwise none (only <c>Vary</c>), which makes the browser fail the preflight and never send the request.
    /// </summary>
    public byte[] PreflightHeaders(ReadOnlySpan<byte> head, MessageHeaders headers)
    {
        var index = OriginIndex(head, headers);
        if (index < 0 || !MethodAllowed(headers.Value(head, headers.RequestMethodIndex)))
        {
            return VaryPreflight;
        }

        if (headers.RequestHeadersIndex >= 0 && !HeadersAllowed(headers.Value(head, headers.RequestHeadersIndex)))
        {
            return VaryPreflight;
        }

        return _preflight[index];
    }

    /// <summary>Whether a preflight answer allows the request (tests and metrics tell the two answers apart by this).</summary>
    public static bool Allows(byte[] preflightHeaders) => !ReferenceEquals(preflightHeaders, VaryPreflight);

    private int OriginIndex(ReadOnlySpan<byte> head, MessageHeaders headers)
    {
        if (headers.OriginIndex < 0)
        {
            return -1;
        }

        if (_anyOrigin)
        {
            return 0;
        }

        // Fetch compares the serialized origin byte for byte; no patterns, so no origin can be smuggled past a regex.
        var origin = headers.Value(head, headers.OriginIndex);
        for (var i = 0; i < _origins.Length; i++)
        {
            if (origin.SequenceEqual(_origins[i]))
            {
                return i;
            }
        }

        return -1;
    }

    private bool MethodAllowed(ReadOnlySpan<byte> method)
    {
        if (_anyMethod)
        {
            return true;
        }

        // Methods are case-sensitive (RFC 9110 §9.1); Fetch upper-cases only the standard ones before sending.
        foreach (var allowed in _methods)
        {
            if (method.SequenceEqual(allowed))
            {
                return true;
            }
        }

        return false;
    }

    private bool HeadersAllowed(ReadOnlySpan<byte> list)
    {
        while (!list.IsEmpty)
        {
            var comma = list.IndexOf((byte)',');
            var name = HttpChars.TrimOws(comma < 0 ? list : list[..comma]);
            list = comma < 0 ? default : list[(comma + 1)..];
            if (!name.IsEmpty && !HeaderAllowed(name))
            {
                return false;
            }
        }

        return true;
    }

    private bool HeaderAllowed(ReadOnlySpan<byte> name)
    {
        foreach (var allowed in _headers)
        {
            if (allowed.Length == name.Length && Ascii.EqualsIgnoreCase(allowed, name))
            {
                return true;
            }
        }

        // Fetch: the "*" wildcard never covers Authorization; it has to be listed by name.
        return _anyHeader && !Ascii.EqualsIgnoreCase(name, "authorization"u8);
    }

    private static byte[][] Encode(EquatableArray<string> values)
    {
        var encoded = new byte[values.Count][];
        for (var i = 0; i < encoded.Length; i++)
        {
            encoded[i] = Encoding.ASCII.GetBytes(values[i]);
        }

        return encoded;
    }

    private static bool Contains(EquatableArray<string> values, string value)
    {
        foreach (var candidate in values)
        {
            if (candidate == value)
            {
                return true;
            }
        }

        return false;
    }
}
