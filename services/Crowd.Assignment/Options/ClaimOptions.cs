namespace Crowd.Assignment.Options;

public sealed class ClaimOptions
{
    /// <summary>
    /// Open claims (pool tasks and exam questions, leased and not yet submitted, released or expired) a worker may hold at
    /// once; one more claim is 409 <c>claim-limit</c>. Keeps one worker from sitting on tasks others could be doing.
    /// </summary>
    public int MaxOpenClaims { get; set; } = 5;
}
