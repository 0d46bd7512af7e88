using System.Text.Json;
using System.Text.Json.Serialization;

namespace Roaming.Core.Transport;

/// <summary>
/// A closed OCPI enum: written and read by its spec name (set with <see cref="JsonStringEnumMemberNameAttribute"/>),
/// never as a number, so a partner's unknown value fails with the field named instead of slipping through as 0.
/// </summary>
public sealed class OcpiEnumConverter<TEnum>() : JsonStringEnumConverter<TEnum>(namingPolicy: null, allowIntegerValues: false)
    where TEnum : struct, Enum;
