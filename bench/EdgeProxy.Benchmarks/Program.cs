using BenchmarkDotNet.Running;

namespace EdgeProxy.Benchmarks;

internal static class Program
{
    public static void Main(string[] args)
    {
        // A deterministic simulation, not a timing: prints the hit-ratio table and exits.
        if (args is ["--eviction", ..])
        {
            Console.Write(Caching.EvictionSimulation.Report([0.01, 0.05, 0.1]));
            return;
        }

        if (args is ["--ratios", ..])
        {
            Console.Write(Caching.CompressionRatios.Report());
            return;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
