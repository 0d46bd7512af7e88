using System.Text.Json;
using Roaming.Core.Locations;
using Roaming.Core.Push;

namespace Roaming.Core.Tests.Push;

public class PushContentTests
{
    [Fact]
    public void A_slot_s_object_is_read_once_for_every_partner()
    {
        var content = new PushContent(JsonDocument.Parse("""{"uid":"E1","status":"AVAILABLE"}""").RootElement);
        var first = content.Read(LocationsJson.Default.Evse);
        Assert.Equal("E1", first!.Uid);
        Assert.Same(first, content.Read(LocationsJson.Default.Evse));
    }

    [Fact]
    public void A_gone_object_reads_as_none() => Assert.Null(new PushContent(null).Read(LocationsJson.Default.Evse));
}
