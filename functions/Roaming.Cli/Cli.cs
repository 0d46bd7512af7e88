namespace Roaming.Cli;

/// <summary>The command line: dispatches on the first argument. Exit codes: 0 done, 1 the input cannot be priced, 2 usage.</summary>
public static class Cli
{
    public const int Ok = 0, Failed = 1, Usage = 2;

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Length == 0)
        {
            stderr.WriteLine(PriceCommand.Help);
            return Usage;
        }
        if (args[0] is "-h" or "--help" or "help")
        {
            stdout.WriteLine(PriceCommand.Help);
            return Ok;
        }
        return args[0] switch
        {
            "price" => PriceCommand.Run(args[1..], stdout, stderr),
            _ => Unknown(args[0], stderr),
        };
    }

    private static int Unknown(string command, TextWriter stderr)
    {
        stderr.WriteLine($"unknown command '{command}'");
        stderr.WriteLine(PriceCommand.Help);
        return Usage;
    }
}
