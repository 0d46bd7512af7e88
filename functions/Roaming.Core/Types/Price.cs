using Roaming.Core.Transport;

namespace Roaming.Core.Types;

/// <summary>OCPI Price: excl_vat (required) and incl_vat (optional), exact decimals.</summary>
public sealed record Price : IOcpiValidatable
{
    public decimal? ExclVat { get; init; }
    public decimal? InclVat { get; init; }

    public void Validate(OcpiValidator v) => v.Required("excl_vat", ExclVat);
}
