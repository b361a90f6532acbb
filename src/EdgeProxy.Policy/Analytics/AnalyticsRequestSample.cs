namespace EdgeProxy.Policy.Analytics;

/// <summary>
/// A decoded request sample of an error record: the request target (secret query values redacted) and up to
/// <see cref="AnalyticsWire.MaxSampleHeaders"/> request headers, secrets carrying <see cref="RequestScrub.RedactedText"/>.
/// <see cref="OmittedHeaders"/> counts the headers left out for the bounds.
/// </summary>
public sealed record AnalyticsRequestSample(string Target, bool TargetTruncated, IReadOnlyList<AnalyticsSampleHeader> Headers, int OmittedHeaders)
{
    /// <summary>Applies <see cref="RequestScrub"/> again (the manager's side): secret headers and query values redacted.</summary>
    public AnalyticsRequestSample Scrub(string? keyHeader, string? keyParameter)
    {
        var headers = new AnalyticsSampleHeader[Headers.Count];
        for (var i = 0; i < headers.Length; i++)
        {
            var h = Headers[i];
            headers[i] = h.Redacted || !RequestScrub.IsSecret(h.Name, keyHeader) ? h : new AnalyticsSampleHeader(h.Name, RequestScrub.RedactedText, Redacted: true, Truncated: false);
        }

        return this with { Target = RequestScrub.Target(Target, keyParameter), Headers = headers };
    }
}

/// <summary>One header of a sample; a redacted one has <see cref="RequestScrub.RedactedText"/> as its value.</summary>
public sealed record AnalyticsSampleHeader(string Name, string Value, bool Redacted, bool Truncated);
