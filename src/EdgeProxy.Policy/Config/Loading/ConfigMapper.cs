using EdgeProxy.Policy.Toml;

namespace EdgeProxy.Policy.Config.Loading;

/// <summary>
/// Maps one file's TOML tree to config records by hand (NativeAOT: no reflection-based binding). It does the
/// conversions that define a key's format (durations, sizes, paths relative to the file, method case) and
/// reports values of the wrong type; the rules about what a valid value is live in the validators.
/// </summary>
internal static class ConfigMapper
{
    private static readonly (string, RateLimitScope)[] ScopeChoices =
    [
        ("route", RateLimitScope.Route),
        ("ip", RateLimitScope.Ip),
        ("consumer", RateLimitScope.Consumer),
        ("route_ip", RateLimitScope.RouteIp),
        ("route_consumer", RateLimitScope.RouteConsumer),
    ];

    private static readonly (string, PolicyMode)[] ModeChoices = [("enforce", PolicyMode.Enforce), ("shadow", PolicyMode.Shadow)];

    private static readonly (string, RouteAuth)[] AuthChoices = [("none", RouteAuth.None), ("api_key", RouteAuth.ApiKey)];

    private static readonly (string, QuotaPeriod)[] PeriodChoices =
    [
        ("minute", QuotaPeriod.Minute),
        ("hour", QuotaPeriod.Hour),
        ("day", QuotaPeriod.Day),
        ("month", QuotaPeriod.Month),
    ];

    private static readonly (string, RateLimitHeadersOn)[] HeadersOnChoices = [("all", RateLimitHeadersOn.All), ("limited", RateLimitHeadersOn.Limited)];

    public static ConfigFragment Map(TomlTable root, MapContext context)
    {
        var top = new TableReader(root, "", isArrayElement: false, context);
        var fragment = new ConfigFragment();
        if (top.Table("gateway") is { } gateway)
        {
            fragment.Gateway = MapGateway(gateway);
        }

        if (top.Table("limits") is { } limits)
        {
            fragment.Limits = MapLimits(limits);
        }

        if (top.Table("admin") is { } admin)
        {
            fragment.Admin = admin.Finish(new AdminConfig { Listen = admin.String("listen") ?? new AdminConfig().Listen });
        }

        foreach (var listener in top.Tables("listeners") ?? [])
        {
            fragment.Listeners.Add(MapListener(listener));
        }

        foreach (var cluster in top.Tables("clusters") ?? [])
        {
            fragment.Clusters.Add(MapCluster(cluster));
        }

        foreach (var route in top.Tables("routes") ?? [])
        {
            fragment.Routes.Add(MapRoute(route));
        }

        if (top.Table("api_keys") is { } apiKeys)
        {
            fragment.ApiKeys = MapApiKeys(apiKeys);
        }

        if (top.Table("rate_limiting") is { } rateLimiting)
        {
            fragment.RateLimiting = MapRateLimiting(rateLimiting);
        }

        if (top.Table("quota_store") is { } quotaStore)
        {
            fragment.QuotaStore = MapQuotaStore(quotaStore);
        }

        if (top.Table("cluster") is { } clusterMode)
        {
            var defaults = new ClusterModeConfig();
            fragment.ClusterMode = clusterMode.Finish(new ClusterModeConfig
            {
                Redis = clusterMode.String("redis") ?? defaults.Redis,
                SyncInterval = clusterMode.Duration("sync_interval") ?? defaults.SyncInterval,
                Lease = clusterMode.Int32("lease") ?? defaults.Lease,
                KeyPrefix = clusterMode.String("key_prefix") ?? defaults.KeyPrefix,
            });
        }

        if (top.Table("cache") is { } cache)
        {
            fragment.Cache = CacheConfigMapper.MapSettings(cache);
        }

        if (top.Table("cors") is { } cors)
        {
            fragment.Cors = CorsConfigMapper.MapSettings(cors);
        }

        if (top.Table("analytics") is { } analytics)
        {
            fragment.Analytics = AnalyticsConfigMapper.MapSettings(analytics);
        }

        foreach (var consumer in top.Tables("consumers") ?? [])
        {
            fragment.Consumers.Add(MapConsumer(consumer));
        }

        foreach (var plan in top.Tables("plans") ?? [])
        {
            fragment.Plans.Add(MapPlan(plan));
        }

        foreach (var api in top.Tables("apis") ?? [])
        {
            fragment.Apis.Add(ApiConfigMapper.MapApi(api));
        }

        top.Finish();
        return fragment;
    }

    private static GatewaySettings MapGateway(TableReader r)
    {
        var defaults = new GatewaySettings();
        var accessLog = r.String("access_log");
        return r.Finish(new GatewaySettings
        {
            Name = r.String("name") ?? defaults.Name,
            DrainTimeout = r.Duration("drain_timeout") ?? defaults.DrainTimeout,
            TrustedProxies = r.Strings("trusted_proxies") is { } proxies ? Array.ConvertAll(proxies, NormalizeCidr) : defaults.TrustedProxies,
            AccessLog = accessLog is null or "off" or "stdout" ? accessLog ?? defaults.AccessLog : r.Context.ResolvePath(accessLog),
            AccessLogBuffer = r.Int32("access_log_buffer") ?? defaults.AccessLogBuffer,
            ReloadDebounce = r.Duration("reload_debounce") ?? defaults.ReloadDebounce,
            LogLevel = r.String("log_level") ?? defaults.LogLevel,
        });
    }

    // A bare address is a one-address range; writing it out keeps the record in one form for its consumers.
    private static string NormalizeCidr(string value) =>
        System.Net.IPAddress.TryParse(value, out var address) && !value.Contains('/', StringComparison.Ordinal)
            ? $"{address}/{(address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128)}"
            : value;

    private static HttpLimitsConfig MapLimits(TableReader r)
    {
        var defaults = new HttpLimitsConfig();
        var connectionRate = r.Rate("connection_rate_per_ip");
        return r.Finish(new HttpLimitsConfig
        {
            MaxConnectionsPerIp = r.Int32("max_connections_per_ip") ?? 0,
            ConnectionRateTokens = connectionRate?.Tokens ?? 0,
            ConnectionRatePeriod = connectionRate?.Period ?? TimeSpan.Zero,
            ConnectionBurstPerIp = r.Int64("connection_burst_per_ip") ?? connectionRate?.Tokens ?? 0,
            MaxRequestLineBytes = r.SizeInt32("max_request_line") ?? defaults.MaxRequestLineBytes,
            MaxHeaderBytes = r.SizeInt32("max_header_bytes") ?? defaults.MaxHeaderBytes,
            MaxHeaderCount = r.Int32("max_headers") ?? defaults.MaxHeaderCount,
            HeaderTimeout = r.Duration("header_timeout") ?? defaults.HeaderTimeout,
            KeepAliveTimeout = r.Duration("keepalive_timeout") ?? defaults.KeepAliveTimeout,
            MaxBodyBytes = r.Size("max_body") ?? defaults.MaxBodyBytes,
        });
    }

    private static ListenerConfig MapListener(TableReader r) => r.Finish(new ListenerConfig
    {
        Name = r.String("name") ?? "",
        Listen = r.String("listen") ?? "",
        Tls = r.Table("tls") is { } tls ? MapListenerTls(tls) : null,
    });

    private static ListenerTlsConfig MapListenerTls(TableReader r)
    {
        var sni = new List<SniCertificateConfig>();
        var record = new ListenerTlsConfig
        {
            CertificateFile = r.Context.ResolvePath(r.String("certificate") ?? ""),
            KeyFile = r.Context.ResolvePath(r.String("key") ?? ""),
            ClientCaFile = r.String("client_ca") is { } ca ? r.Context.ResolvePath(ca) : null,
        };
        foreach (var entry in r.Tables("sni") ?? [])
        {
            sni.Add(entry.Finish(new SniCertificateConfig
            {
                Host = (entry.String("host") ?? "").ToLowerInvariant(),
                CertificateFile = entry.Context.ResolvePath(entry.String("certificate") ?? ""),
                KeyFile = entry.Context.ResolvePath(entry.String("key") ?? ""),
            }));
        }

        return r.Finish(record with { Sni = sni.ToArray() });
    }

    private static ClusterConfig MapCluster(TableReader r)
    {
        var defaults = new ClusterConfig();
        return r.Finish(new ClusterConfig
        {
            Id = r.String("id") ?? "",
            Endpoints = r.Strings("endpoints") ?? defaults.Endpoints,
            MaxIdleConnections = r.Int32("max_idle_connections") ?? defaults.MaxIdleConnections,
            IdleTimeout = r.Duration("idle_timeout") ?? defaults.IdleTimeout,
            ReceiveBuffer = r.Size("receive_buffer", 0, ClusterConfig.MaxReceiveBuffer) ?? defaults.ReceiveBuffer,
            Tls = r.Table("tls") is { } tls ? MapUpstreamTls(tls) : null,
        });
    }

    private static UpstreamTlsConfig MapUpstreamTls(TableReader r) => r.Finish(new UpstreamTlsConfig
    {
        ServerName = r.String("server_name"),
        CaFile = r.String("ca") is { } ca ? r.Context.ResolvePath(ca) : null,
        ClientCertificateFile = r.String("client_certificate") is { } cert ? r.Context.ResolvePath(cert) : null,
        ClientKeyFile = r.String("client_key") is { } key ? r.Context.ResolvePath(key) : null,
        Insecure = r.Boolean("insecure") ?? false,
    });

    private static RouteConfig MapRoute(TableReader r)
    {
        var route = new RouteConfig
        {
            Id = r.String("id") ?? "",
            Cluster = r.String("cluster") ?? "",

            // Host names are case-insensitive (RFC 9110 §4.2.3); one case keeps equality and duplicate checks simple.
            Hosts = r.Strings("hosts") is { } hosts ? Array.ConvertAll(hosts, h => h.ToLowerInvariant()) : EquatableArray<string>.Empty,
            Path = r.String("path"),
            PathPrefix = r.String("path_prefix"),

            // Methods are case-sensitive on the wire and the standard ones are upper case; "get" is a typo.
            Methods = r.Strings("methods") is { } methods ? Array.ConvertAll(methods, m => m.ToUpperInvariant()) : EquatableArray<string>.Empty,
        };

        var headers = new List<HeaderMatchConfig>();
        foreach (var header in r.Tables("headers") ?? [])
        {
            headers.Add(header.Finish(new HeaderMatchConfig { Name = header.String("name") ?? "", Value = header.String("value") }));
        }

        return r.Finish(route with
        {
            Headers = headers.ToArray(),
            Rewrite = r.Table("rewrite") is { } rewrite ? MapRewrite(rewrite) : null,
            RequestHeaders = MapHeaderTransform(r, "request_headers"),
            ResponseHeaders = MapHeaderTransform(r, "response_headers"),
            MaxBodyBytes = r.Size("max_body"),
            Timeouts = MapTimeouts(r),
            Auth = r.Choice<RouteAuth>("auth", AuthChoices) ?? RouteAuth.None,
            RateLimits = MapRateLimits(r, "rate_limits", RateLimitScope.Route),
            Cache = r.Table("cache") is { } cache ? CacheConfigMapper.MapRouteCache(cache) : null,
            Compression = r.Table("compression") is { } compression ? CacheConfigMapper.MapCompression(compression) : null,
            Cors = r.Table("cors") is { } cors ? CorsConfigMapper.MapRoute(cors) : null,
            Analytics = r.Table("analytics") is { } analytics ? AnalyticsConfigMapper.MapRoute(analytics) : null,
        });
    }

    private static PathRewriteConfig MapRewrite(TableReader r) => r.Finish(new PathRewriteConfig
    {
        StripPrefix = r.String("strip_prefix"),
        AddPrefix = r.String("add_prefix"),
        Replace = r.String("replace"),
    });

    private static HeaderTransformConfig MapHeaderTransform(TableReader route, string key)
    {
        var r = route.Table(key);
        if (r is null)
        {
            // Registered anyway so validators can ask for its position like for any other record.
            var absent = new HeaderTransformConfig();
            route.Context.Positions.Register(absent, new RecordPositions(route.Positions.Header));
            return absent;
        }

        return r.Finish(new HeaderTransformConfig
        {
            Set = MapHeaderValues(r, "set"),
            Add = MapHeaderValues(r, "add"),
            Remove = r.Strings("remove") ?? EquatableArray<string>.Empty,
        });
    }

    private static HeaderValueConfig[] MapHeaderValues(TableReader r, string key)
    {
        var table = r.FreeTable(key);
        if (table is null)
        {
            return [];
        }

        var values = new List<HeaderValueConfig>(table.Entries.Count);
        foreach (var entry in table.Entries)
        {
            if (entry.Value is not TomlScalar { Kind: TomlScalarKind.String } value)
            {
                r.Context.Error(entry.Value.Position, $"header '{entry.Key}' in {r.ChildSection(key)} must be set to a string, found {entry.Value.Describe()}");
                continue;
            }

            var header = new HeaderValueConfig(entry.Key, value.Text);
            var positions = new RecordPositions(entry.KeyPosition);
            positions.Set("name", entry.KeyPosition, entry.KeyPosition);
            positions.Set("value", entry.KeyPosition, value.Position);
            r.Context.Positions.Register(header, positions);
            values.Add(header);
        }

        return [.. values];
    }

    private static RouteTimeoutsConfig MapTimeouts(TableReader route)
    {
        var defaults = new RouteTimeoutsConfig();
        var r = route.Table("timeouts");
        if (r is null)
        {
            route.Context.Positions.Register(defaults, new RecordPositions(route.Positions.Header));
            return defaults;
        }

        return r.Finish(new RouteTimeoutsConfig
        {
            Connect = r.Duration("connect") ?? defaults.Connect,
            ResponseHeaders = r.Duration("response_headers") ?? defaults.ResponseHeaders,
            Idle = r.Duration("idle") ?? defaults.Idle,
            Total = r.Duration("total") ?? defaults.Total,
        });
    }

    private static ApiKeySettings MapApiKeys(TableReader r)
    {
        var defaults = new ApiKeySettings();
        return r.Finish(new ApiKeySettings
        {
            Header = r.String("header") ?? defaults.Header,
            QueryParameter = r.String("query_parameter"),
            ForwardConsumerHeader = r.String("forward_consumer_header") ?? defaults.ForwardConsumerHeader,
        });
    }

    private static RateLimitingConfig MapRateLimiting(TableReader r)
    {
        var defaults = new RateLimitingConfig();
        var formats = defaults.Headers;
        if (r.Strings("headers") is { } names)
        {
            formats = RateLimitHeaderFormats.None;
            for (var i = 0; i < names.Length; i++)
            {
                RateLimitHeaderFormats? format = names[i] switch
                {
                    "ietf" => RateLimitHeaderFormats.Ietf,
                    "legacy" => RateLimitHeaderFormats.Legacy,
                    _ => null,
                };
                if (format is { } f)
                {
                    formats |= f;
                }
                else
                {
                    r.Positions.MarkInvalid("headers");
                    r.Context.Error(r.Positions.Item("headers", i), $"'headers' in [rate_limiting] may hold \"ietf\" (RateLimit-Policy and RateLimit) and \"legacy\" (X-RateLimit-*), found \"{names[i]}\"");
                }
            }
        }

        return r.Finish(new RateLimitingConfig
        {
            MaxBuckets = r.Int32("max_buckets") ?? defaults.MaxBuckets,
            Headers = formats,
            HeadersOn = r.Choice<RateLimitHeadersOn>("headers_on", HeadersOnChoices) ?? defaults.HeadersOn,
        });
    }

    private static QuotaStoreConfig MapQuotaStore(TableReader r)
    {
        var defaults = new QuotaStoreConfig();
        return r.Finish(new QuotaStoreConfig
        {
            Directory = r.String("directory") is { } directory ? r.Context.ResolvePath(directory) : defaults.Directory,
            SnapshotInterval = r.Duration("snapshot_interval") ?? defaults.SnapshotInterval,
        });
    }

    private static ConsumerConfig MapConsumer(TableReader r)
    {
        var consumer = new ConsumerConfig
        {
            Id = r.String("id") ?? "",
            Name = r.String("name") ?? "",
            Plan = r.String("plan"),
            Tags = r.Strings("tags") ?? EquatableArray<string>.Empty,
            Enabled = r.Boolean("enabled") ?? true,
            Apis = r.Strings("apis") ?? EquatableArray<string>.Empty,
        };

        var keys = new List<ApiKeyConfig>();
        foreach (var key in r.Tables("keys") ?? [])
        {
            keys.Add(key.Finish(new ApiKeyConfig
            {
                Id = key.String("id"),
                KeySha256 = key.String("key_sha256") ?? "",
                CreatedAt = key.Timestamp("created_at"),
                ExpiresAt = key.Timestamp("expires_at"),
                Revoked = key.Boolean("revoked") ?? false,
            }));
        }

        return r.Finish(consumer with { Keys = keys.ToArray(), Quotas = MapQuotas(r) });
    }

    private static PlanConfig MapPlan(TableReader r)
    {
        var plan = new PlanConfig
        {
            Id = r.String("id") ?? "",
            Title = r.String("title") ?? "",
            Description = r.String("description") ?? "",
            Approval = r.Boolean("approval") ?? false,
            Price = r.Table("price") is { } price ? ApiConfigMapper.MapPrice(price) : null,
        };
        return r.Finish(plan with
        {
            RateLimits = MapRateLimits(r, "rate_limits", RateLimitScope.Consumer),
            Quotas = MapQuotas(r),
        });
    }

    private static RateLimitConfig[] MapRateLimits(TableReader owner, string key, RateLimitScope defaultScope)
    {
        var limits = new List<RateLimitConfig>();
        foreach (var r in owner.Tables(key) ?? [])
        {
            var name = r.String("name") ?? "";
            var scope = r.Choice<RateLimitScope>("scope", ScopeChoices) ?? defaultScope;
            var rate = r.Rate("rate");
            var burst = r.Int64("burst");
            limits.Add(r.Finish(new RateLimitConfig
            {
                Name = name,
                Scope = scope,
                Tokens = rate?.Tokens ?? 0,
                Period = rate?.Period ?? TimeSpan.Zero,

                // The rate's own count: "100/s" may spend 100 at once after a quiet second, as a fixed window would.
                Burst = burst ?? rate?.Tokens ?? 0,
                Mode = r.Choice<PolicyMode>("mode", ModeChoices) ?? PolicyMode.Enforce,
                Cluster = r.Boolean("cluster") ?? false,
            }));
        }

        return [.. limits];
    }

    private static QuotaConfig[] MapQuotas(TableReader owner)
    {
        var quotas = new List<QuotaConfig>();
        foreach (var r in owner.Tables("quotas") ?? [])
        {
            quotas.Add(r.Finish(new QuotaConfig
            {
                Period = r.Choice<QuotaPeriod>("period", PeriodChoices) ?? QuotaPeriod.Day,
                Limit = r.Int64("limit") ?? 0,
            }));
        }

        return [.. quotas];
    }
}
