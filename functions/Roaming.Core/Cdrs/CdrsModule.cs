using Microsoft.Extensions.DependencyInjection;
using Roaming.Core.Cdrs.V221;
using Roaming.Core.PartyObjects;
using Roaming.Core.Platform;
using Roaming.Core.Push;
using Roaming.Core.Queues;
using Roaming.Core.Storage;
using Roaming.Core.Sync;
using Roaming.Core.Types;
using Roaming.Core.Versions;

namespace Roaming.Core.Cdrs;

/// <summary>
/// CDRs (mod_cdrs), owned by the CPO. Ours are built from the back office's records ("sdrs-in"), priced by the tariff
/// engine, stored immutably and POSTed to the eMSP of their token; the sender interface lists them by date, to each eMSP
/// only its own. The receiver interface takes a partner CPO's CDRs (POST, GET of the Location answered), each verified
/// against the tariff it names ("cdrs-verify") and, when it matches, passed on to billing ("cdrs-verified"); they are
/// also pulled.
/// </summary>
public sealed class CdrsModule : IOcpiModule
{
    public static readonly PartyObjectKind<Cdr> Kind =
        new(ModuleIds.Cdrs, "cdrs", CdrsJson.Default.Cdr, c => new PartyKey(c.CountryCode!, c.PartyId!), c => c.Id!, c => c.LastUpdated)
        {
            Columns = c => CdrToken.RecipientOf(c.CdrToken),
            MaxIdLength = 39,
        };

    public static readonly PartyObjectKind<CdrDelivery> DeliveryKind =
        new(ModuleIds.Cdrs, "cdrdeliveries", CdrRecordsJson.Default.CdrDelivery, d => new PartyKey(d.CountryCode!, d.PartyId!), d => d.Id!, d => d.LastUpdated)
        {
            MaxIdLength = 39,
        };

    /// <summary>The column holding a verdict, for the list of disputed CDRs.</summary>
    public const string VerdictColumn = "Verdict";

    public static readonly PartyObjectKind<CdrVerification> VerificationKind =
        new(ModuleIds.Cdrs, "cdrverifications", CdrRecordsJson.Default.CdrVerification, v => new PartyKey(v.CountryCode!, v.PartyId!), v => v.Id!, v => v.LastUpdated)
        {
            Columns = v => new Dictionary<string, string> { [VerdictColumn] = v.Verdict?.ToString() ?? "" },
            MaxIdLength = 39,
        };

    /// <summary>The stored shape (2.2.1's) as a mapper.</summary>
    public static readonly IWire<Cdr> Canonical = CdrsV221.Version.Wire;

    public ModuleDeclaration Declaration => new(ModuleIds.Cdrs)
    {
        Owner = Role.Cpo,
        Counterparts = [Role.Emsp, Role.Hub],
        PersonalData = true,
        Keying = ObjectKeying.ClientOwned,
        Pushes = true,
        Pulls = true,
        Interfaces =
        [
            InterfaceDeclaration.Of<PartyObjectSender<Cdr>, IWire<Cdr>>(InterfaceRole.Sender, Role.Cpo, (sender, routes, wire) => sender.MapList(routes, wire, CdrToken.RecipientColumn)),
            InterfaceDeclaration.Of<CdrsReceiver, IWire<Cdr>>(InterfaceRole.Receiver, Role.Emsp, (receiver, routes, wire) => receiver.Map(routes, wire)),
        ],
        Versions = [CdrsV221.Version],
    };

    public static void Register(IServiceCollection services)
    {
        services.AddPartyObjects(Kind, wire => (IWire<Cdr>)wire, generic: GenericChannels.None);
        services.AddPartyObjectStore(DeliveryKind);
        services.AddPartyObjectStore(VerificationKind);
        services.AddSingleton<PartyObjectsOperatorApi<CdrVerification>>();
        services.AddSingleton<IOcpiModule, CdrsModule>();
        services.AddSingleton<CdrsReceiver>();
        services.AddSingleton<IPushSource, CdrsPushSource>();
        services.AddSingleton<IPullHandler, CdrsPullHandler>();
        services.AddSingleton<TariffLookup>();
        services.AddSingleton<CdrBuilder>();
        services.AddSingleton<CdrVerifier>();
        services.AddSingleton<CdrVerifications>();
        services.AddParkingQueueProcessor<SdrsInProcessor>();
        services.AddParkingQueueProcessor<CdrVerificationProcessor>();
        services.AddOutboundQueue(CdrVerifications.VerifiedQueue);
        services.AddSingleton<IRouteGroup, CdrsOperatorApi>();
    }
}
