using Microsoft.Extensions.DependencyInjection;
using Roaming.Core.Platform;
using Roaming.Core.Push;
using Roaming.Core.Storage;
using Roaming.Core.Sync;

namespace Roaming.Core.PartyObjects;

public static class PartyObjectsRegistration
{
    /// <summary>
    /// The generic parts of a flat object module: its store, sender list, receiver, operator API, push source and
    /// pull handler. The module's declaration says which of them it uses and where.
    /// </summary>
    /// <param name="wire">picks the object's mapper from the module's wire set of a version</param>
    /// <param name="pushQuery">the query a module adds to a pushed object's URL</param>
    /// <param name="generic">the push source and pull handler to take from here; a module with its own leaves them out (CDRs are POSTed)</param>
    public static IServiceCollection AddPartyObjects<T>(this IServiceCollection services, PartyObjectKind<T> kind, Func<object, IWire<T>> wire,
        Func<PushChange, string?>? pushQuery = null, GenericChannels generic = GenericChannels.Push | GenericChannels.Pull) where T : class
    {
        services.AddPartyObjectStore(kind);
        services.AddSingleton<PartyObjectSender<T>>();
        services.AddSingleton<PartyObjectReceiver<T>>();
        services.AddSingleton<PartyObjectsOperatorApi<T>>();
        if (generic.HasFlag(GenericChannels.Push))
            services.AddSingleton<IPushSource>(sp => new PartyObjectPushSource<T>(sp.GetRequiredService<IPartyObjectStore<T>>(), wire, pushQuery,
                sp.GetRequiredService<ModuleCatalog>().Module(kind.Module).Shown));
        if (generic.HasFlag(GenericChannels.Pull))
            services.AddSingleton<IPullHandler>(sp => new PartyObjectPullHandler<T>(sp.GetRequiredService<IPartyObjectStore<T>>(), sp.GetRequiredService<ModuleCatalog>(), wire));
        return services;
    }

    /// <summary>
    /// The store alone: for a module whose interfaces are its own (hubclientinfo) but whose objects are flat party
    /// objects, or for records a module keeps beside its objects (CDR verdicts); its table is created at start.
    /// </summary>
    public static IServiceCollection AddPartyObjectStore<T>(this IServiceCollection services, PartyObjectKind<T> kind) where T : class
    {
        services.AddSingleton(sp => sp.GetRequiredService<IPartyObjectStores>().For(kind));
        services.AddSingleton<IPartyObjectStore>(sp => sp.GetRequiredService<IPartyObjectStore<T>>());
        return services;
    }
}

[Flags]
public enum GenericChannels
{
    None = 0,
    Push = 1,
    Pull = 2,
}
