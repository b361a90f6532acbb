namespace EdgeProxy.Manager.Tests.Infrastructure;

/// <summary>
/// A gateway config directory in a temp folder with two API products (orders: v1 deprecated, v2 published;
/// billing: published, another owner), a draft-only API, and two plans (free: instant; pro: needs approval).
/// </summary>
public sealed class PolicyFixture : IDisposable
{
    public PolicyFixture(string upstreamUrl = "http://127.0.0.1:9")
    {
        Directory = Path.Combine(Path.GetTempPath(), "edgeproxy-manager-config-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Path.Combine(Directory, "openapi"));
        Write("edgeproxy.toml", $$"""
            [gateway]
            access_log = "off"
            reload_debounce = "50ms"

            [admin]
            listen = "127.0.0.1:0"

            [[listeners]]
            name = "public"
            listen = "127.0.0.1:0"

            [[clusters]]
            id = "backend"
            endpoints = ["{{upstreamUrl}}"]
            """);
        Write("routes.toml", """
            [[routes]]
            id = "orders-v1"
            cluster = "backend"
            path_prefix = "/v1/orders"
            auth = "api_key"

            [[routes]]
            id = "orders-v2"
            cluster = "backend"
            path_prefix = "/v2/orders"
            auth = "api_key"

            [[routes]]
            id = "billing-v1"
            cluster = "backend"
            path_prefix = "/billing"
            auth = "api_key"

            [[routes]]
            id = "stock-v1"
            cluster = "backend"
            path_prefix = "/stock"
            auth = "api_key"

            [[routes]]
            id = "labs-v0"
            cluster = "backend"
            path_prefix = "/labs"
            auth = "api_key"
            """);
        Write("apis.toml", """
            [[apis]]
            id = "orders"
            title = "Orders API"
            summary = "Create, track and cancel customer orders."
            owner = "team-commerce"
            tags = ["commerce", "orders"]

            [[apis.versions]]
            version = "v1"
            state = "deprecated"
            routes = ["orders-v1"]
            openapi = "openapi/orders-v1.yaml"
            deprecated_at = 2026-06-01T00:00:00Z
            sunset = 2027-01-01T00:00:00Z
            successor = "v2"
            changelog = "First version."

            [[apis.versions]]
            version = "v2"
            state = "published"
            routes = ["orders-v2"]
            openapi = "openapi/orders-v2.json"
            changelog = "Pagination on list; cancel is a POST."

            [[apis]]
            id = "billing"
            title = "Billing API"
            summary = "Invoices and payments for orders."
            owner = "team-finance"
            tags = ["finance"]

            [[apis.versions]]
            version = "v1"
            state = "published"
            routes = ["billing-v1"]
            openapi = "openapi/billing-broken.yaml"

            [[apis]]
            id = "labs"
            title = "Labs API"
            summary = "Experiments nobody should see yet."
            owner = "team-labs"

            [[apis.versions]]
            version = "v0"
            state = "draft"
            routes = ["labs-v0"]

            [[plans]]
            id = "free"
            title = "Free"
            description = "For trying things out."
            rate_limits = [{ name = "free-burst", rate = "10/s", burst = 20 }]
            quotas = [{ period = "day", limit = 1000 }]

            [[plans]]
            id = "pro"
            title = "Pro"
            approval = true
            price = { monthly = 49.0, per_call = 0.0001, overage = 0.0002, currency = "USD" }
            """);
        Write("openapi/orders-v1.yaml", """
            openapi: 3.0.3
            info: { title: Orders, version: "1" }
            paths:
              /v1/orders:
                get:
                  summary: List orders
                  responses: { "200": { description: OK } }
            """);
        Write("openapi/orders-v2.json", """
            {
              "openapi": "3.1.0",
              "info": { "title": "Orders", "version": "2" },
              "servers": [{ "url": "https://internal.example/orders" }],
              "paths": {
                "/v2/orders": { "get": { "summary": "List orders", "responses": { "200": { "description": "OK" } } } },
                "/v2/orders/{id}/cancel": { "post": { "summary": "Cancel an order", "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "string" } }], "responses": { "204": { "description": "Cancelled" } } } }
              }
            }
            """);
        // Broken on purpose: responses must be a map, and the path item is a list.
        Write("openapi/billing-broken.yaml", """
            openapi: 3.0.3
            info: { title: Billing, version: "1" }
            paths:
              /billing/invoices:
                get:
                  summary: List invoices
                  responses: 42
            """);
    }

    public string Directory { get; }

    public string ManagerFile => Path.Combine(Directory, "manager-consumers.toml");

    public void Write(string name, string text) => File.WriteAllText(Path.Combine(Directory, name), text);

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
