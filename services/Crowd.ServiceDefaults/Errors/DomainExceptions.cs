namespace Crowd.ServiceDefaults.Errors;

/// <summary>The resource does not exist, or belongs to someone else (never reveal which): 404.</summary>
public sealed class NotFoundException(string detail) : Exception(detail);

/// <summary>
/// The request is valid but the resource's state does not allow it now: 409. <paramref name="state"/>, when given, names
/// that state for programs (problem details member <c>state</c>), so a client need not parse the detail.
/// </summary>
public sealed class ConflictException(string detail, string? state = null) : Exception(detail)
{
    public string? State { get; } = state;
}

/// <summary>The body is well-formed but does not fit what it refers to (e.g. a label outside the schema): 422, naming the field.</summary>
public sealed class UnprocessableException(string field, string message) : Exception(message)
{
    public string Field { get; } = field;
}
