using System.Collections.Immutable;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace DeviceFirmware.Tests.NanoFrameworkCheck;

/// <summary>
/// Lists everything in an assembly that nanoFramework's 1.x runtime cannot load: generic type and
/// method definitions, generic parameters, generic instantiations (any GenericInst, VAR or MVAR in a
/// TypeSpec, MethodSpec or signature), references to generic types, and tuples. That runtime
/// executes no generic code at all; an assembly that merely instantiates <c>Func&lt;double&gt;</c>
/// crashes it while it resolves the assembly, so one offender is one too many.
/// </summary>
internal static class GenericUseScanner
{
    public static IReadOnlyList<string> Scan(PEReader pe)
    {
        var md = pe.GetMetadataReader();
        var names = new MetadataNames(md);
        var provider = new SignatureRenderer(names);
        var offenders = new List<string>();

        void Check(string where, Func<string> decode)
        {
            provider.SawGeneric = false;
            var rendered = decode();
            if (provider.SawGeneric)
            {
                offenders.Add(where + ": " + rendered);
            }
        }

        foreach (var handle in md.TypeDefinitions)
        {
            var type = md.GetTypeDefinition(handle);
            var typeName = names.Of(handle);
            if (type.GetGenericParameters().Count > 0)
            {
                offenders.Add("generic type definition: " + typeName);
            }

            foreach (var fieldHandle in type.GetFields())
            {
                var field = md.GetFieldDefinition(fieldHandle);
                Check("field " + typeName + "." + md.GetString(field.Name), () => field.DecodeSignature(provider, null));
            }

            foreach (var methodHandle in type.GetMethods())
            {
                var method = md.GetMethodDefinition(methodHandle);
                var methodName = typeName + "." + md.GetString(method.Name);
                if (method.GetGenericParameters().Count > 0)
                {
                    offenders.Add("generic method definition: " + methodName);
                }

                Check("method " + methodName, () => Render(method.DecodeSignature(provider, null)));
                if (method.RelativeVirtualAddress != 0)
                {
                    var locals = pe.GetMethodBody(method.RelativeVirtualAddress).LocalSignature;
                    if (!locals.IsNil)
                    {
                        var signature = md.GetStandaloneSignature(locals);
                        Check("locals of " + methodName, () => string.Join(", ", signature.DecodeLocalSignature(provider, null)));
                    }
                }
            }

            foreach (var propertyHandle in type.GetProperties())
            {
                var property = md.GetPropertyDefinition(propertyHandle);
                Check("property " + typeName + "." + md.GetString(property.Name), () => Render(property.DecodeSignature(provider, null)));
            }
        }

        for (var row = 1; row <= md.GetTableRowCount(TableIndex.GenericParam); row++)
        {
            var parameter = md.GetGenericParameter(MetadataTokens.GenericParameterHandle(row));
            offenders.Add("generic parameter: " + md.GetString(parameter.Name) + " of " + names.Of(parameter.Parent));
        }

        for (var row = 1; row <= md.GetTableRowCount(TableIndex.TypeSpec); row++)
        {
            var handle = MetadataTokens.TypeSpecificationHandle(row);
            Check("type specification", () => md.GetTypeSpecification(handle).DecodeSignature(provider, null));
        }

        for (var row = 1; row <= md.GetTableRowCount(TableIndex.MethodSpec); row++)
        {
            var spec = md.GetMethodSpecification(MetadataTokens.MethodSpecificationHandle(row));
            var arguments = spec.DecodeSignature(provider, null);
            offenders.Add("generic method instantiation: " + names.Of(spec.Method) + "<" + string.Join(", ", arguments) + ">");
        }

        foreach (var handle in md.MemberReferences)
        {
            var member = md.GetMemberReference(handle);
            var where = "member reference " + names.Of(handle);
            if (member.GetKind() == MemberReferenceKind.Method)
            {
                Check(where, () => Render(member.DecodeMethodSignature(provider, null)));
            }
            else
            {
                Check(where, () => member.DecodeFieldSignature(provider, null));
            }
        }

        foreach (var handle in md.TypeReferences)
        {
            var reference = md.GetTypeReference(handle);
            var ns = md.GetString(reference.Namespace);
            var name = md.GetString(reference.Name);
            if (name.Contains('`', StringComparison.Ordinal))
            {
                offenders.Add("reference to a generic type: " + names.Of(handle));
            }

            if (ns == "System" && (name.StartsWith("ValueTuple", StringComparison.Ordinal) || name.StartsWith("Tuple", StringComparison.Ordinal)))
            {
                offenders.Add("tuple: " + names.Of(handle));
            }

            if (ns == "System.Runtime.CompilerServices" && name == "TupleElementNamesAttribute")
            {
                offenders.Add("tuple element names: " + names.Of(handle));
            }
        }

        return offenders;
    }

    private static string Render(MethodSignature<string> signature) =>
        signature.ReturnType + " (" + string.Join(", ", signature.ParameterTypes) + ")";

    /// <summary>Readable names for the offender list.</summary>
    private sealed class MetadataNames(MetadataReader md)
    {
        public string Of(TypeDefinitionHandle handle)
        {
            var type = md.GetTypeDefinition(handle);
            var name = md.GetString(type.Name);
            var declaring = type.GetDeclaringType();
            if (!declaring.IsNil)
            {
                return Of(declaring) + "+" + name;
            }

            var ns = md.GetString(type.Namespace);
            return ns.Length == 0 ? name : ns + "." + name;
        }

        public string Of(TypeReferenceHandle handle)
        {
            var type = md.GetTypeReference(handle);
            var ns = md.GetString(type.Namespace);
            var name = md.GetString(type.Name);
            return ns.Length == 0 ? name : ns + "." + name;
        }

        public string Of(EntityHandle handle) => handle.Kind switch
        {
            HandleKind.TypeDefinition => Of((TypeDefinitionHandle)handle),
            HandleKind.TypeReference => Of((TypeReferenceHandle)handle),
            HandleKind.TypeSpecification => md.GetTypeSpecification((TypeSpecificationHandle)handle).DecodeSignature(new SignatureRenderer(this), null),
            HandleKind.MethodDefinition => OfMethod((MethodDefinitionHandle)handle),
            HandleKind.MemberReference => Of((MemberReferenceHandle)handle),
            _ => handle.Kind.ToString(),
        };

        public string Of(MemberReferenceHandle handle)
        {
            var member = md.GetMemberReference(handle);
            return Of(member.Parent) + "." + md.GetString(member.Name);
        }

        private string OfMethod(MethodDefinitionHandle handle)
        {
            var method = md.GetMethodDefinition(handle);
            return Of(method.GetDeclaringType()) + "." + md.GetString(method.Name);
        }
    }

    /// <summary>Renders a signature as text and notes whether it used anything generic.</summary>
    private sealed class SignatureRenderer(MetadataNames names) : ISignatureTypeProvider<string, object?>
    {
        public bool SawGeneric { get; set; }

        public string GetGenericInstantiation(string genericType, ImmutableArray<string> typeArguments)
        {
            SawGeneric = true;
            return genericType + "<" + string.Join(", ", typeArguments) + ">";
        }

        public string GetGenericTypeParameter(object? genericContext, int index)
        {
            SawGeneric = true;
            return "!" + index;
        }

        public string GetGenericMethodParameter(object? genericContext, int index)
        {
            SawGeneric = true;
            return "!!" + index;
        }

        public string GetArrayType(string elementType, ArrayShape shape) => elementType + "[" + new string(',', shape.Rank - 1) + "]";

        public string GetSZArrayType(string elementType) => elementType + "[]";

        public string GetByReferenceType(string elementType) => elementType + "&";

        public string GetPointerType(string elementType) => elementType + "*";

        public string GetPinnedType(string elementType) => elementType + " pinned";

        public string GetModifiedType(string modifier, string unmodifiedType, bool isRequired) => unmodifiedType;

        public string GetFunctionPointerType(MethodSignature<string> signature) => "method " + Render(signature);

        public string GetPrimitiveType(PrimitiveTypeCode typeCode) => typeCode.ToString();

        public string GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) => names.Of(handle);

        public string GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => names.Of(handle);

        public string GetTypeFromSpecification(MetadataReader reader, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind) =>
            reader.GetTypeSpecification(handle).DecodeSignature(this, genericContext);
    }
}
