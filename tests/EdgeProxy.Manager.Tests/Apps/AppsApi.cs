using System.Net.Http.Json;
using System.Text.Json;

namespace EdgeProxy.Manager.Tests.Apps;

/// <summary>The self-service JSON calls the tests make, with the answers' fields they read.</summary>
internal static class AppsApi
{
    public static async Task<long> CreateAppAsync(HttpClient client, string name)
    {
        var response = await client.PostAsJsonAsync("/api/apps", new { name });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
    }

    public static async Task<(long Id, string State)> SubscribeAsync(HttpClient client, long appId, string api, string plan)
    {
        var response = await client.PostAsJsonAsync($"/api/apps/{appId}/subscriptions", new { api, plan });
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (body.GetProperty("id").GetInt64(), body.GetProperty("state").GetString()!);
    }

    public static async Task<(string KeyId, string Key)> CreateKeyAsync(HttpClient client, long subscriptionId)
    {
        var response = await client.PostAsync($"/api/subscriptions/{subscriptionId}/keys", null);
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (body.GetProperty("keyId").GetString()!, body.GetProperty("key").GetString()!);
    }
}
