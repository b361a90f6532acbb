using System.Text;
using BenchmarkDotNet.Attributes;
using EdgeProxy.Benchmarks.InMemory;
using EdgeProxy.Http;
using EdgeProxy.Routing;

namespace EdgeProxy.Benchmarks;

/// <summary>Route matching in a table of 200 routes mixing exact paths, templates, prefixes and hosts.</summary>
[MemoryDiagnoser]
public class RouteTableBenchmarks
{
    private readonly Range[] _captures = new Range[16];
    private InMemoryProxy _proxy = null!;
    private RouteTable _table = null!;
    private (byte[] Head, RequestHead Request)[] _requests = [];

    [Params("exact", "template", "prefix", "wildcard-host")]
    public string Kind { get; set; } = "exact";

    [GlobalSetup]
    public void Setup()
    {
        var routes = new StringBuilder();
        for (var i = 0; i < 50; i++)
        {
            routes.Append($"[[routes]]\nid = \"exact{i}\"\ncluster = \"mem\"\npath = \"/v1/service{i}/status\"\n\n");
            routes.Append($"[[routes]]\nid = \"tmpl{i}\"\ncluster = \"mem\"\npath = \"/v1/service{i}/items/{{id}}\"\n\n");
            routes.Append($"[[routes]]\nid = \"prefix{i}\"\ncluster = \"mem\"\npath_prefix = \"/static{i}\"\n\n");
            routes.Append($"[[routes]]\nid = \"host{i}\"\ncluster = \"mem\"\nhosts = [\"*.tenant{i}.example.com\"]\npath_prefix = \"/\"\n\n");
        }

        _proxy = InMemoryProxy.Create(routes.ToString());
        _table = _proxy.Store.Current.Routes;
        var (path, host) = Kind switch
        {
            "exact" => ("/v1/service37/status", "api.example.com"),
            "template" => ("/v1/service37/items/98765", "api.example.com"),
            "prefix" => ("/static37/css/site.css", "api.example.com"),
            _ => ("/anything", "eu.tenant37.example.com"),
        };
        var bytes = Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n");
        var request = new RequestHead(100);
        Http11Parser.ParseRequest(bytes, request, 100);
        _requests = [(bytes, request)];
        if (_table.Match(bytes, request, _captures) is null)
        {
            throw new InvalidOperationException("benchmark request does not match");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _proxy.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [Benchmark]
    public string? Match()
    {
        var (head, request) = _requests[0];
        return _table.Match(head, request, _captures)?.Id;
    }
}
