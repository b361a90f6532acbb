using EdgeProxy.Policy.Analytics;

namespace EdgeProxy.Analytics;

/// <summary>Request method bytes to <see cref="AnalyticsMethod"/> (methods are case-sensitive, RFC 9110 §9.1).</summary>
internal static class AnalyticsMethods
{
    public static AnalyticsMethod Of(ReadOnlySpan<byte> method) => method.Length switch
    {
        3 when method.SequenceEqual("GET"u8) => AnalyticsMethod.Get,
        3 when method.SequenceEqual("PUT"u8) => AnalyticsMethod.Put,
        4 when method.SequenceEqual("POST"u8) => AnalyticsMethod.Post,
        4 when method.SequenceEqual("HEAD"u8) => AnalyticsMethod.Head,
        5 when method.SequenceEqual("PATCH"u8) => AnalyticsMethod.Patch,
        5 when method.SequenceEqual("TRACE"u8) => AnalyticsMethod.Trace,
        6 when method.SequenceEqual("DELETE"u8) => AnalyticsMethod.Delete,
        7 when method.SequenceEqual("OPTIONS"u8) => AnalyticsMethod.Options,
        7 when method.SequenceEqual("CONNECT"u8) => AnalyticsMethod.Connect,
        _ => AnalyticsMethod.Other,
    };
}
