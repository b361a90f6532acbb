using EdgeProxy.Manager;

var (options, error) = ManagerOptions.Parse(args);
if (options is null)
{
    Console.Error.WriteLine($"edgeproxy-manager: {error}\n{ManagerOptions.Usage}");
    return 2;
}

await using var host = await ManagerHost.StartAsync(options);
Console.WriteLine($"edgeproxy-manager: portal on {host.BaseUrl}/ (gateway {options.GatewayUrl})");
await host.WaitForShutdownAsync();
return 0;
