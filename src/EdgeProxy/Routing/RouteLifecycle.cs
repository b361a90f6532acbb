using EdgeProxy.Policy.Config;

namespace EdgeProxy.Routing;

/// <summary>
/// Where a route's API version is in its lifecycle, with everything the request path answers from it encoded
/// at config-compile time: the deprecation header lines, and a retired version's 410 head lines and body.
/// </summary>
internal sealed class RouteLifecycle(int apiIndex, string apiId, string version, ApiVersionState state,
    (byte[] Name, byte[] Value)[] responseHeaders, byte[] goneHeaders, byte[] goneBody)
{
    /// <summary>Index of the API in <see cref="GatewayConfig.Apis"/>: the slot of a consumer's grants to read.</summary>
    public int ApiIndex { get; } = apiIndex;

    public string ApiId { get; } = apiId;

    public string Version { get; } = version;

    public ApiVersionState State { get; } = state;

    /// <summary><c>Deprecation</c>, <c>Sunset</c> and successor <c>Link</c> set on every response of a served version.</summary>
    public (byte[] Name, byte[] Value)[] ResponseHeaders { get; } = responseHeaders;

    /// <summary>Header lines (each ending in CRLF) of a retired version's 410: the successor <c>Link</c>, if any.</summary>
    public byte[] GoneHeaders { get; } = goneHeaders;

    /// <summary>A retired version's 410 body: <c>{"error":"gone","api":"orders","version":"v1","successor":"v2"}</c>.</summary>
    public byte[] GoneBody { get; } = goneBody;
}
