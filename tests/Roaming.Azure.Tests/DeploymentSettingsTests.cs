using System.Text.Json.Nodes;
using Roaming.Core.Platform;
using Roaming.Core.Transport;

namespace Roaming.Azure.Tests;

/// <summary>
/// Every setting the app reads at start is set by the Bicep templates under the same name, so a deployment
/// does not start with a missing setting; and the templates keep their safety properties.
/// </summary>
public sealed class DeploymentSettingsTests
{
    private static readonly Lazy<JsonObject> Template = new(BicepTemplate.Compile);

    private static JsonObject FunctionAppModule => BicepTemplate.Module(Template.Value, "functionapp");

    private static HashSet<string> AppSettingNames()
    {
        var module = FunctionAppModule;
        var appSettings = BicepTemplate.Resources(module)
            .Single(r => (string?)r["type"] == "Microsoft.Web/sites/config" && ((string?)r["name"])!.Contains("'appsettings'", StringComparison.Ordinal));
        return BicepTemplate.LiteralSettingNames(module, appSettings["properties"]);
    }

    /// <summary>The environment-variable form App Service uses: "Roaming:Parties:0:Name" is Roaming__Parties__0__Name.</summary>
    private static string AsAppSetting(string name) => name.Replace(":", "__", StringComparison.Ordinal);

    public static TheoryData<string> SettingsTheAppReads()
    {
        var data = new TheoryData<string>();
        foreach (var name in RoamingOptions.RequiredSettings
                     .Concat(Roaming.Azure.StorageConnection.IdentityBasedSettings)
                     .Concat(ClientCertificateOptions.DeploymentSettings)
                     .Append(InboundClientCertificate.RequireSetting)
                     // The Functions app's trigger queue names (Roaming.Functions.QueueTriggerNames), checked at its start.
                     .Concat(["RoamingPushQueue", "RoamingSyncQueue", "RoamingSessionsInQueue", "RoamingSdrsInQueue", "RoamingCdrsVerifyQueue", "RoamingDeadlinesQueue",
                         "RoamingCommandResultsInQueue"]))
            data.Add(name);
        return data;
    }

    [Theory]
    [MemberData(nameof(SettingsTheAppReads))]
    public void The_Function_App_settings_provide(string setting)
    {
        var names = AppSettingNames();

        Assert.True(names.Contains(AsAppSetting(setting)),
            $"infra-bicep does not set {AsAppSetting(setting)} (read as {setting}). App settings set: {string.Join(", ", names.Order())}");
    }

    [Theory]
    [InlineData("credential")]
    [InlineData("clientId")]
    [InlineData("blobServiceUri")]
    [InlineData("queueServiceUri")]
    [InlineData("tableServiceUri")]
    public void The_Functions_host_storage_is_identity_based(string part) =>
        Assert.Contains($"AzureWebJobsStorage__{part}", AppSettingNames());

    [Fact]
    public void No_connection_string_or_key_is_set()
    {
        var names = AppSettingNames();

        Assert.DoesNotContain("AzureWebJobsStorage", names);
        Assert.DoesNotContain("Storage", names);
        Assert.DoesNotContain("APPINSIGHTS_INSTRUMENTATIONKEY", names);
        Assert.DoesNotContain("listKeys(", Template.Value.ToJsonString(), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("AccountKey=", Template.Value.ToJsonString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void The_setting_names_are_read_from_the_compiled_template_not_assumed()
    {
        // Guards the test itself: a parser that found nothing, or everything, would make the checks above meaningless.
        var names = AppSettingNames();

        Assert.InRange(names.Count, 20, 60);
        Assert.DoesNotContain("Roaming__Parties__1__Name", names);
    }

    [Fact]
    public void The_storage_account_refuses_shared_keys_public_blobs_and_old_TLS()
    {
        var account = BicepTemplate.Resources(BicepTemplate.Module(Template.Value, "storage"))
            .Single(r => (string?)r["type"] == "Microsoft.Storage/storageAccounts")["properties"]!;

        Assert.False((bool)account["allowSharedKeyAccess"]!);
        Assert.False((bool)account["allowBlobPublicAccess"]!);
        Assert.Equal("TLS1_2", (string?)account["minimumTlsVersion"]);
        Assert.True((bool)account["supportsHttpsTrafficOnly"]!);
    }

    [Fact]
    public void The_vault_uses_RBAC_and_purge_protection()
    {
        var vault = BicepTemplate.Resources(BicepTemplate.Module(Template.Value, "keyvault"))
            .Single(r => (string?)r["type"] == "Microsoft.KeyVault/vaults")["properties"]!;

        Assert.True((bool)vault["enableRbacAuthorization"]!);
        Assert.True((bool)vault["enablePurgeProtection"]!);
    }

    [Fact]
    public void The_Function_App_is_HTTPS_only_without_FTP_on_Flex_Consumption_dotnet_isolated()
    {
        var resources = BicepTemplate.Resources(FunctionAppModule).ToList();
        var site = resources.Single(r => (string?)r["type"] == "Microsoft.Web/sites")["properties"]!;
        var plan = resources.Single(r => (string?)r["type"] == "Microsoft.Web/serverfarms");

        Assert.True((bool)site["httpsOnly"]!);
        Assert.Equal("Disabled", (string?)site["siteConfig"]!["ftpsState"]);
        Assert.Equal("1.2", (string?)site["siteConfig"]!["scmMinTlsVersion"]);
        Assert.Equal("dotnet-isolated", (string?)site["functionAppConfig"]!["runtime"]!["name"]);
        Assert.Equal("UserAssignedIdentity", (string?)site["functionAppConfig"]!["deployment"]!["storage"]!["authentication"]!["type"]);
        Assert.Equal("FlexConsumption", (string?)plan["sku"]!["tier"]);
        Assert.Equal("Required", (string?)site["clientCertMode"]);
        // App Service requests client certificates only over HTTP/1.1.
        Assert.Equal("[not(parameters('enableInboundClientCertificates'))]", (string?)site["siteConfig"]!["http20Enabled"]);
    }

    [Fact]
    public void The_OCPI_versions_URL_is_an_output() =>
        Assert.Contains("/ocpi/versions", (string?)Template.Value["outputs"]!["ocpiVersionsUrl"]!["value"]);
}
