using System.Text.Json;

namespace Roaming.Core.Tariffs.Pricing;

/// <summary>An enum member as the spec spells it (PascalCase member to SNAKE_CASE), for messages that name values.</summary>
internal static class OcpiName
{
    public static string Of<T>(T value) where T : struct, Enum => JsonNamingPolicy.SnakeCaseUpper.ConvertName(value.ToString());
}
