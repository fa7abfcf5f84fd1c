namespace Crowd.ServiceDefaults.Auth;

/// <summary>The roles a token's <c>role</c> claim may carry; each is also the name of an authorization policy.</summary>
public static class Roles
{
    public const string Requester = "requester";
    public const string Worker = "worker";
    public const string Qa = "qa";
    public const string Admin = "admin";
}
