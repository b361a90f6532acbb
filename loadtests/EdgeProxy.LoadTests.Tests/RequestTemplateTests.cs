using System.Text;
using EdgeProxy.LoadTests.Http;
using EdgeProxy.LoadTests.Scenarios;

namespace EdgeProxy.LoadTests.Tests;

public class RequestTemplateTests
{
    [Fact]
    public void ConstantRequest_IsRenderedOnce()
    {
        var scenario = Load("""
            [[steps]]
            path = "/hello"
            headers = { "Accept" = "text/plain" }
            """);
        var template = new RequestTemplate(scenario.Steps[0], scenario.Target, keepAlive: true);

        Assert.NotNull(template.Constant);
        Assert.Equal("GET /base/hello HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nAccept: text/plain\r\n\r\n", Encoding.ASCII.GetString(template.Constant));
    }

    [Fact]
    public void TemplatedRequest_TakesTheIterationsFeedRowAndComputesContentLength()
    {
        var scenario = Load("""
            [[feeds]]
            name = "user"
            values = ["ann", "bartholomew"]
            [[steps]]
            method = "POST"
            path = "/users/{user}"
            headers = { "X-Vu" = "{vu}" }
            body = "{{\"name\":\"{user}\",\"iteration\":{iteration}}}"
            """);
        var template = new RequestTemplate(scenario.Steps[0], scenario.Target, keepAlive: false);
        var context = new IterationContext(7, [.. scenario.Feeds.Select(f => new FeedData(f))], seed: 1);
        var scratch = new byte[8];

        context.Next(41);
        var first = Encoding.UTF8.GetString(template.Render(context, ref scratch).Span);
        context.Next(1234567);
        var second = Encoding.UTF8.GetString(template.Render(context, ref scratch).Span);

        Assert.Null(template.Constant);
        Assert.Equal("POST /base/users/ann HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nConnection: close\r\nX-Vu: 7\r\nContent-Length: 29\r\n\r\n{\"name\":\"ann\",\"iteration\":41}", first);
        Assert.EndsWith("Content-Length: 42\r\n\r\n{\"name\":\"bartholomew\",\"iteration\":1234567}", second, StringComparison.Ordinal);
    }

    [Fact]
    public void BodySize_SendsThatManyBytes()
    {
        var scenario = Load("""
            [[steps]]
            method = "PUT"
            path = "/blob"
            body_size = "16KiB"
            """);
        var bytes = new RequestTemplate(scenario.Steps[0], scenario.Target, keepAlive: true).Constant!;
        var text = Encoding.ASCII.GetString(bytes);

        Assert.Contains("Content-Length: 16384\r\n\r\n", text, StringComparison.Ordinal);
        Assert.Equal(16384, bytes.Length - text.IndexOf("\r\n\r\n", StringComparison.Ordinal) - 4);
    }

    private static ScenarioConfig Load(string steps)
    {
        var text = $"""
            [scenario]
            target = "http://127.0.0.1:8080/base"
            {steps}
            [[phases]]
            model = "closed"
            concurrency = 1
            duration = "1s"
            """;
        var (scenario, errors) = ScenarioLoader.Parse(text, "t.toml");
        Assert.Empty(errors);
        return scenario!;
    }
}
