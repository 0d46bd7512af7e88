using Roaming.Host;

await RoamingWebHost.Build(args).RunAsync();
