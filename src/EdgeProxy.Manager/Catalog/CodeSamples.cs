using Microsoft.OpenApi;

namespace EdgeProxy.Manager.Catalog;

/// <summary>Getting-started snippets for one operation of a document, calling the gateway with an API key.</summary>
public static class CodeSamples
{
    public static readonly string[] Languages = ["curl", "C#", "Python", "JavaScript", "Go"];

    /// <summary>The first operations of the document (at most <paramref name="max"/>), GETs first, as (method, path, summary).</summary>
    public static IReadOnlyList<(string Method, string Path, string Summary)> Operations(OpenApiDocument document, int max = 10)
    {
        var list = new List<(string, string, string)>();
        foreach (var (path, item) in document.Paths ?? [])
        {
            foreach (var (method, operation) in item.Operations ?? [])
            {
                list.Add((method.Method.ToUpperInvariant(), path, operation.Summary ?? operation.OperationId ?? ""));
            }
        }

        return [.. list.OrderBy(o => o.Item1 == "GET" ? 0 : 1).ThenBy(o => o.Item2, StringComparer.Ordinal).Take(max)];
    }

    public static string For(string language, string gatewayUrl, string method, string path, string header)
    {
        // Path parameters stay visible as placeholders: the reader sees what to fill in.
        var url = gatewayUrl.TrimEnd('/') + path;
        return language switch
        {
            "curl" => $"curl -X {method} '{url}' \\\n  -H '{header}: $EDGEPROXY_KEY'",
            "C#" => $"""
                using var http = new HttpClient();
                using var request = new HttpRequestMessage(HttpMethod.{Pascal(method)}, "{url}");
                request.Headers.Add("{header}", Environment.GetEnvironmentVariable("EDGEPROXY_KEY"));
                using var response = await http.SendAsync(request);
                Console.WriteLine($"{"{"}(int)response.StatusCode{"}"} {"{"}await response.Content.ReadAsStringAsync(){"}"}");
                """,
            "Python" => $"""
                import os, requests

                response = requests.request("{method}", "{url}", headers={"{"}"{header}": os.environ["EDGEPROXY_KEY"]{"}"})
                print(response.status_code, response.text)
                """,
            "JavaScript" => $"""
                const response = await fetch("{url}", {"{"}
                  method: "{method}",
                  headers: {"{"} "{header}": process.env.EDGEPROXY_KEY {"}"},
                {"}"});
                console.log(response.status, await response.text());
                """,
            "Go" => $$"""
                req, _ := http.NewRequest("{{method}}", "{{url}}", nil)
                req.Header.Set("{{header}}", os.Getenv("EDGEPROXY_KEY"))
                resp, err := http.DefaultClient.Do(req)
                if err != nil {
                	log.Fatal(err)
                }
                defer resp.Body.Close()
                body, _ := io.ReadAll(resp.Body)
                fmt.Println(resp.StatusCode, string(body))
                """,
            _ => throw new ArgumentOutOfRangeException(nameof(language)),
        };
    }

    private static string Pascal(string method) => method[..1] + method[1..].ToLowerInvariant();
}
