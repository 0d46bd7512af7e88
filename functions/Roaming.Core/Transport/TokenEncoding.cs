using System.Net;
using System.Runtime.ExceptionServices;

namespace Roaming.Core.Transport;

/// <summary>
/// How the token is written in the Authorization header is not something a partner announces: many leave /versions
/// open to any header and then expect the raw (2.1.1-style) token on their modules, or the reverse. A 401 may
/// therefore be the encoding rather than the token, so a call answered 401 is tried once more with the other
/// encoding (the spec leaves this to "trial and error or configuration flags"), and the caller learns which worked.
/// </summary>
public static class TokenEncoding
{
    /// <param name="mayRetry">false when the operator fixed the encoding for this partner: a 401 is then just a 401</param>
    /// <param name="switched">
    /// called when the other encoding got past authentication (whether the call then succeeded or not); not when the
    /// second try got no answer (a network failure, our own pace for the partner), which says nothing of the encoding
    /// </param>
    public static async Task<T> CallAsync<T>(PartnerToken token, bool mayRetry, Func<PartnerToken, Task<T>> call, Func<PartnerToken, Task>? switched = null)
    {
        try
        {
            return await call(token);
        }
        catch (PartnerCallException first) when (mayRetry && first.HttpStatus == HttpStatusCode.Unauthorized)
        {
            var other = token with { Base64 = !token.Base64 };
            T result;
            try
            {
                result = await call(other);
            }
            catch (PartnerCallException again) when (again.HttpStatus == HttpStatusCode.Unauthorized)
            {
                // Neither encoding opens it: the token itself is refused, which the first answer says as well.
                ExceptionDispatchInfo.Throw(first);
                throw;
            }
            catch (PartnerCallException again) when (again.HttpStatus is not null && !again.NotSent)
            {
                if (switched is not null) await switched(other);
                throw;
            }
            if (switched is not null) await switched(other);
            return result;
        }
    }
}
