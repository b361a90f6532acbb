using System.Buffers.Text;
using EdgeProxy.Http;
using EdgeProxy.Policies.Auth;
using EdgeProxy.Policies.RateLimiting;
using EdgeProxy.Routing;

namespace EdgeProxy.Policies;

/// <summary>
/// The access step of the request path, one per client connection: API key → consumer, then the route's and the
/// consumer plan's rate limits, then the consumer's quotas. Its buffers are reused across the connection's
/// requests, so a check allocates nothing. After <see cref="Check"/> it holds what the rest of the exchange
/// needs: the consumer to name upstream, the key's query parameter to cut, and the response header lines.
/// </summary>
internal sealed class AccessGate
{
    private readonly ApiKeyMemo _memo = new();
    private LimitStatus[] _statuses = new LimitStatus[8];
    private byte[] _headerLines = new byte[256];
    private int _headerLength;

    /// <summary>The authenticated consumer of the current request; null on anonymous routes.</summary>
    public CompiledConsumer? Consumer { get; private set; }

    /// <summary>Analytics name id of the policy that refused the request (<c>api_key</c>, the limit's name, <c>quota</c>); 0 if none.</summary>
    public int DeniedBy { get; private set; }

    /// <summary>Why a key was refused (metrics, access log); <see cref="ApiKeyOutcome.Ok"/> otherwise.</summary>
    public ApiKeyOutcome KeyOutcome { get; private set; }

    /// <summary>The key's query parameter and a separator, to leave out of the forwarded target; empty if none.</summary>
    public Range QueryCut { get; private set; }

    /// <summary>Header lines (each ending in CRLF) for the response: rate-limit state, <c>Retry-After</c>, the 401 challenge.</summary>
    public ReadOnlySpan<byte> ResponseHeaders => _headerLines.AsSpan(0, _headerLength);

    /// <summary>Forgets the per-request state (requests on routes without policies).</summary>
    public void Reset()
    {
        Consumer = null;
        DeniedBy = 0;
        KeyOutcome = ApiKeyOutcome.Ok;
        QueryCut = default;
        _headerLength = 0;
    }

    /// <summary>Zeroes the remembered key when the connection closes.</summary>
    public void Clear() => _memo.Clear();

    public AccessDecision Check(CompiledAccess access, CompiledRoute route, RequestHead request, ReadOnlySpan<byte> head, ReadOnlySpan<byte> clientKey)
    {
        Reset();
        var consumerId = ReadOnlySpan<byte>.Empty;
        var planLimits = ReadOnlySpan<RateLimit>.Empty;
        var now = access.Runtime.Time.GetUtcNow();
        if (route.RequiresApiKey)
        {
            var result = _memo.Lookup(access.Keys, PresentedKey(access, request, head), now);
            if (!result.IsOk)
            {
                KeyOutcome = result.Outcome;
                DeniedBy = Analytics.AnalyticsNames.ApiKeyPolicy;
                PolicyMetrics.ApiKeyResults(result.Outcome).Inc();

                // A draft is not there for anyone but testers: no challenge, no hint that a key would help.
                if (route.IsDraft)
                {
                    return AccessDecision.Hidden;
                }

                if (result.Outcome == ApiKeyOutcome.Missing)
                {
                    Append(access.Challenge);
                }

                return result.Outcome == ApiKeyOutcome.ConsumerDisabled ? AccessDecision.Forbidden : AccessDecision.Unauthorized;
            }

            PolicyMetrics.ApiKeyResults(ApiKeyOutcome.Ok).Inc();
            var consumer = Consumer = result.Consumer!;
            consumerId = consumer.IdUtf8;

            // Before any limit is taken from: a refused call must not spend the consumer's budget.
            if (route.IsDraft && !consumer.IsTester)
            {
                DeniedBy = Analytics.AnalyticsNames.ApiDraftPolicy;
                return AccessDecision.Hidden;
            }

            if (!consumer.MayCall(route.ApiIndex))
            {
                DeniedBy = Analytics.AnalyticsNames.ApiGrantPolicy;
                return AccessDecision.ApiNotGranted;
            }
            if (consumer.PlanIndex >= 0)
            {
                planLimits = access.Limits.Plans[consumer.PlanIndex];
            }
        }

        if (_statuses.Length < access.MaxStatuses)
        {
            _statuses = new LimitStatus[access.MaxStatuses];
        }

        var statusCount = 0;
        if (route.RateLimits.Length + planLimits.Length > 0)
        {
            var limiter = access.Runtime.Limiter;
            var verdict = RateLimitEvaluator.Evaluate(route.RateLimits, planLimits, clientKey, consumerId, limiter.Time.GetTimestamp(), _statuses);
            statusCount = verdict.StatusCount;
            if (!verdict.Allowed)
            {
                PolicyMetrics.RateLimited.Inc();
                DeniedBy = verdict.RefusedBy?.AnalyticsName ?? 0;
                WriteLimitHeaders(access, statusCount, LimitStatus.CeilingSeconds(verdict.RetryAfterTicks, limiter.Frequency));
                return AccessDecision.RateLimited;
            }
        }

        if (Consumer is { Quotas.Length: > 0 } quotaConsumer)
        {
            var quota = access.Runtime.Quotas.For(quotaConsumer.Id);
            var verdict = quota.TryConsume(quotaConsumer.Quotas, now, _statuses.AsSpan(statusCount));
            statusCount += verdict.StatusCount;
            if (!verdict.Allowed)
            {
                PolicyMetrics.QuotaExceeded.Inc();
                DeniedBy = Analytics.AnalyticsNames.QuotaPolicy;
                WriteLimitHeaders(access, statusCount, Math.Max(1, verdict.ResetSeconds));
                return AccessDecision.QuotaExceeded;
            }
        }

        if (statusCount > 0 && access.HeadersOnEveryResponse)
        {
            WriteLimitHeaders(access, statusCount, retryAfter: -1);
        }

        return AccessDecision.Allow;
    }

    /// <summary>The key from the header (which wins) or the query parameter; every copy of the header is kept from the upstream.</summary>
    private ReadOnlySpan<byte> PresentedKey(CompiledAccess access, RequestHead request, ReadOnlySpan<byte> head)
    {
        var headers = request.Headers;
        var index = headers.DropAll(head, access.KeyHeader);
        var key = index >= 0 ? headers.Value(head, index) : default;
        if (access.KeyQueryParameter is { } parameter)
        {
            var query = request.Query(head);
            if (ApiKeyQuery.TryFind(query, parameter, out var value, out var cut))
            {
                QueryCut = cut;
                if (key.IsEmpty)
                {
                    key = query[value];
                }
            }
        }

        return key;
    }

    private void WriteLimitHeaders(CompiledAccess access, int statusCount, long retryAfter)
    {
        var statuses = _statuses.AsSpan(0, statusCount);
        var needed = RateLimitHeaders.MaxLength(statuses, access.HeaderFormats) + 40;
        if (_headerLines.Length - _headerLength < needed)
        {
            Array.Resize(ref _headerLines, _headerLength + needed);
        }

        var destination = _headerLines.AsSpan(_headerLength);
        if (RateLimitHeaders.TryWrite(destination, statuses, access.HeaderFormats, out var written))
        {
            _headerLength += written;
        }

        if (retryAfter >= 0 && RateLimitHeaders.TryWriteRetryAfter(_headerLines.AsSpan(_headerLength), retryAfter, out written))
        {
            _headerLength += written;
        }
    }

    private void Append(ReadOnlySpan<byte> line)
    {
        if (_headerLines.Length - _headerLength < line.Length)
        {
            Array.Resize(ref _headerLines, _headerLength + line.Length);
        }

        line.CopyTo(_headerLines.AsSpan(_headerLength));
        _headerLength += line.Length;
    }
}
