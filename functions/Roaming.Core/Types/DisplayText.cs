using Roaming.Core.Transport;

namespace Roaming.Core.Types;

/// <summary>OCPI DisplayText: language string(2), text string(512).</summary>
public sealed record DisplayText : IOcpiValidatable
{
    public string? Language { get; init; }
    public string? Text { get; init; }

    public void Validate(OcpiValidator v)
    {
        v.String("language", Language, 2);
        v.Text("text", Text, 512);
    }
}
