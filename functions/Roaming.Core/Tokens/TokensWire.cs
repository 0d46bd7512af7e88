using Roaming.Core.Platform;

namespace Roaming.Core.Tokens;

/// <summary>The mappers of the Tokens module's objects for one OCPI version.</summary>
public sealed record TokensWire(IWire<Token> Token, IWire<LocationReferences> LocationReferences, IWire<AuthorizationInfo> AuthorizationInfo);
