using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace EdgeProxy.Demo;

/// <summary>
/// The upstream behind the sample config, so a newcomer's first <c>curl</c> through the gateway works without
/// setting anything else up: <c>/hello</c> greets, every other path echoes the request it received as JSON
/// (handy to see what the gateway forwarded: rewritten path, X-Forwarded-*, Via, X-Request-Id).
/// </summary>
internal static class DemoUpstream
{
    public static async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        if (request.Path == "/hello")
        {
            response.ContentType = "text/plain; charset=utf-8";
            await response.WriteAsync("Hello from the EdgeProxy demo upstream!\n");
            return;
        }

        long bodyBytes = 0;
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(buffer)) > 0)
        {
            bodyBytes += read;
        }

        response.ContentType = "application/json";
        var output = new System.Buffers.ArrayBufferWriter<byte>(2048);
        using (var json = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("upstream", "edgeproxy-demo");
            json.WriteString("method", request.Method);
            json.WriteString("path", request.Path.Value);
            json.WriteString("query", request.QueryString.Value);
            json.WriteNumber("body_bytes", bodyBytes);
            json.WriteStartObject("headers");
            foreach (var header in request.Headers)
            {
                json.WriteString(header.Key, header.Value.ToString());
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        System.Buffers.BuffersExtensions.Write(output, "\n"u8);
        await response.Body.WriteAsync(output.WrittenMemory);
    }
}
