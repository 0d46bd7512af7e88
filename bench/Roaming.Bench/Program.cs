using Roaming.Bench.Cdrs;
using Roaming.Bench.Locations;
using Roaming.Bench.Requests;
using Roaming.Bench.Storage;
using Roaming.Bench.Tariffs;
using Roaming.Bench.Tokens;

// One subcommand per benchmarked area; each prints its figures and exits.
return args.FirstOrDefault() switch
{
    "tariffs" => TariffBenchmark.Run(args[1..]),
    "locations" => await LocationsBenchmark.RunAsync(args[1..]),
    "scale" => await LocationsScaleBenchmark.RunAsync(args[1..]),
    "storage-scale" => await StorageScaleBenchmark.RunAsync(args[1..]),
    "tokens" => await TokensBenchmark.RunAsync(args[1..]),
    "requests" => await RequestsBenchmark.RunAsync(args[1..]),
    "cdrs" => await CdrsBenchmark.RunAsync(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: dotnet run -c Release --project bench/Roaming.Bench -- tariffs [--seconds N]");
    Console.Error.WriteLine("       dotnet run -c Release --project bench/Roaming.Bench -- locations [--locations N] [--evses N] [--updates N]");
    Console.Error.WriteLine("       dotnet run -c Release --project bench/Roaming.Bench -- scale [--locations N]");
    Console.Error.WriteLine("       dotnet run -c Release --project bench/Roaming.Bench -- storage-scale [--locations N]");
    Console.Error.WriteLine("       dotnet run -c Release --project bench/Roaming.Bench -- requests [--seconds N] [--connections N] [--threads N]");
    Console.Error.WriteLine("       dotnet run -c Release --project bench/Roaming.Bench -- tokens [--tokens N] [--authorizations N] [--realtime N]");
    Console.Error.WriteLine("       dotnet run -c Release --project bench/Roaming.Bench -- cdrs [--cdrs N] [--concurrency N]");
    return 2;
}
