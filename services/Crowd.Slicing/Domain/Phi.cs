using System.Text.Json;

namespace Crowd.Slicing.Domain;

/// <summary>Protected health information found in item metadata: where it is, and why it counts.</summary>
public sealed record PhiFinding(string Path, string Reason);

/// <summary>
/// API.md's PHI gate on item <c>metadata</c>: no key, at any depth, may name a patient-identifying attribute of
/// <see cref="PhiAttributes"/> by keyword or tag, and no string value may be a DICOM person name. Metadata is stored with
/// the item for the requester; it is never part of a task, and the gate keeps it free of identities all the same.
/// </summary>
public static class Phi
{
    private static readonly Dictionary<string, DicomElementEntry> ByNormalizedName = PhiAttributes.All
        .SelectMany(a => new[] { (Name: Normalize(a.Keyword), a), (Name: Normalize(a.Tag), a) })
        .ToDictionary(p => p.Name, p => p.a, StringComparer.Ordinal);

    /// <summary>
    /// The attribute a metadata key names, compared ignoring case, spaces, <c>_</c>, <c>-</c>, <c>,</c>, <c>(</c>, <c>)</c>,
    /// and a leading <c>x</c> or <c>0x</c>: <c>Patient Name</c>, <c>patient_name</c>, <c>00100010</c>,
    /// <c>(0010,0010)</c>, <c>0x00100010</c> all name PatientName.
    /// </summary>
    public static DicomElementEntry? Attribute(string key)
    {
        var name = Normalize(key);
        if (ByNormalizedName.TryGetValue(name, out var attribute))
        {
            return attribute;
        }

        var unprefixed = name.StartsWith("0x", StringComparison.Ordinal) ? name[2..] : name.StartsWith('x') ? name[1..] : null;
        return unprefixed is not null && ByNormalizedName.TryGetValue(unprefixed, out attribute) ? attribute : null;
    }

    public static bool IsPatientIdentifying(string key) => Attribute(key) is not null;

    /// <summary>
    /// A DICOM person name (PN): components separated by carets, with a letter on each side of one, as in
    /// <c>DOE^JOHN</c> or <c>FAMILY^GIVEN^MIDDLE</c>; <c>2^10</c> or a lone caret is not one.
    /// </summary>
    public static bool IsPersonName(string value)
    {
        var firstLetter = -1;
        for (var i = 0; i < value.Length; i++)
        {
            if (char.IsLetter(value[i]))
            {
                firstLetter = i;
                break;
            }
        }

        if (firstLetter < 0)
        {
            return false;
        }

        var caret = value.IndexOf('^', firstLetter);
        if (caret < 0)
        {
            return false;
        }

        for (var i = caret + 1; i < value.Length; i++)
        {
            if (char.IsLetter(value[i]))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Every finding in the member <paramref name="key"/> of the object at <paramref name="path"/>, its value walked too.</summary>
    public static IEnumerable<PhiFinding> FindInMember(string path, string key, JsonElement value)
    {
        var memberPath = $"{path}.{key}";
        if (Attribute(key) is { } attribute)
        {
            yield return new PhiFinding(memberPath,
                $"'{key}' names the patient-identifying DICOM attribute {attribute.Keyword} ({attribute.Tag[..4]},{attribute.Tag[4..]}); remove it.");
        }

        foreach (var finding in Find(memberPath, value))
        {
            yield return finding;
        }
    }

    /// <summary>Every finding in <paramref name="value"/> (found at <paramref name="path"/>): objects and arrays are walked to any depth.</summary>
    public static IEnumerable<PhiFinding> Find(string path, JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var member in value.EnumerateObject())
                {
                    foreach (var finding in FindInMember(path, member.Name, member.Value))
                    {
                        yield return finding;
                    }
                }

                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var element in value.EnumerateArray())
                {
                    foreach (var finding in Find($"{path}[{index++}]", element))
                    {
                        yield return finding;
                    }
                }

                break;
            case JsonValueKind.String when IsPersonName(value.GetString()!):
                yield return new PhiFinding(path, "Holds a DICOM person name (FAMILY^GIVEN); remove it.");
                break;
        }
    }

    private static string Normalize(string name)
    {
        Span<char> kept = name.Length <= 256 ? stackalloc char[name.Length] : new char[name.Length];
        var length = 0;
        foreach (var c in name)
        {
            if (c is not (' ' or '_' or '-' or ',' or '(' or ')') && !char.IsWhiteSpace(c))
            {
                kept[length++] = char.ToLowerInvariant(c);
            }
        }

        return new string(kept[..length]);
    }
}
