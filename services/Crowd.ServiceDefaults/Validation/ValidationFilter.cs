using FluentValidation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Crowd.ServiceDefaults.Validation;

/// <summary>
/// Runs the registered FluentValidation validator of every endpoint argument that has one, before the handler,
/// and answers a 400 validation problem whose keys are the API's camelCase field paths.
/// </summary>
public static class ValidationFilter
{
    /// <summary>Error code of a rule whose failure means "well-formed but refused" (422), such as PHI in metadata.</summary>
    public const string Unprocessable = "unprocessable";

    /// <summary>
    /// <c>CustomState</c> of a failure whose property name is already the API's field path and must be kept as it is
    /// (a path into free-form JSON such as <c>items[3].metadata.dicom.PatientName</c> names keys as the client spelled them).
    /// </summary>
    public static readonly object VerbatimPath = new();

    public static TBuilder WithValidation<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilterFactory((factoryContext, next) =>
        {
            // Asks whether a validator is registered without resolving one: validators are scoped, and resolving a
            // scoped service from the root provider fails under Development's scope validation.
            var registered = factoryContext.ApplicationServices.GetRequiredService<IServiceProviderIsService>();
            var validated = factoryContext.MethodInfo.GetParameters()
                .Select((parameter, index) => (index, validatorType: typeof(IValidator<>).MakeGenericType(parameter.ParameterType)))
                .Where(p => registered.IsService(p.validatorType))
                .ToArray();
            if (validated.Length == 0)
            {
                return next;
            }

            return async invocation =>
            {
                foreach (var (index, validatorType) in validated)
                {
                    if (invocation.Arguments[index] is not { } argument)
                    {
                        continue;
                    }

                    var validator = (IValidator)invocation.HttpContext.RequestServices.GetRequiredService(validatorType);
                    var result = await validator.ValidateAsync(new ValidationContext<object>(argument), invocation.HttpContext.RequestAborted);
                    if (!result.IsValid)
                    {
                        var errors = result.Errors
                            .GroupBy(e => ReferenceEquals(e.CustomState, VerbatimPath) ? e.PropertyName : FieldPath(e.PropertyName))
                            .ToDictionary(g => g.Key, g => g.Select(e => e.ErrorMessage).Distinct().ToArray());
                        var status = result.Errors.Any(e => e.ErrorCode == Unprocessable) ? 422 : 400;
                        return Results.Problem(new HttpValidationProblemDetails(errors)
                        {
                            Status = status,
                            Title = status == 422 ? "The request was refused" : "The request has invalid fields",
                        });
                    }
                }

                return await next(invocation);
            };
        });

    /// <summary><c>Redundancy.Min</c> → <c>redundancy.min</c>, <c>Items[3].ContentUri</c> → <c>items[3].contentUri</c>.</summary>
    public static string FieldPath(string propertyName) =>
        string.Join('.', propertyName.Split('.').Select(segment =>
            segment.Length == 0 ? segment : char.ToLowerInvariant(segment[0]) + segment[1..]));
}
