using System;
using System.Management.Automation.Runspaces;

// Named by ModuleInitialization.OnImport: nothing here may mention a type from dependencies/
// (docs/loading.md), which is why the MimeKit getters of ImapHiddenMembers return object.

namespace ImapPS
{
    /// <summary>
    /// The type data of the output types: the hidden members whose getters are
    /// <see cref="ImapHiddenMembers"/> (live references that scripts and pipeline binding reach by
    /// name, but that ConvertTo-Json, Export-Csv and Format-List do not see), and the addresses'
    /// display property. OnImport adds it to the importing runspace.
    /// </summary>
    internal static class ImapTypeData
    {
        /// <summary>The type whose hidden members tell whether a runspace has the type data already.</summary>
        internal const string ProbeTypeName = "ImapPS.ImapMessage";

        /// <summary>A hidden member of <see cref="ProbeTypeName"/>.</summary>
        internal const string ProbeMemberName = "Session";

        /// <summary>New type data objects (TypeTable.AddType keeps the objects it is given).</summary>
        internal static TypeData[] Create() => new[]
        {
            Hidden("ImapPS.ImapMessage", "Live", "Session", "Message", "Attachments", "Headers", "BodyStructure"),
            Hidden("ImapPS.ImapMailbox", "Session"),
            Hidden("ImapPS.ImapIdleEvent", "Live", "Session"),
            Hidden("ImapPS.ImapSession", "Client"),
            Hidden("ImapPS.ImapCommandResult", "Session", "Response", "Tagged", "Untagged"),
            // An address in a table cell or a list shows its display name (ImapAddress.DisplayName).
            new TypeData("ImapPS.ImapAddress") { DefaultDisplayProperty = "DisplayName" },
        };

        /// <summary>Type data for <paramref name="typeName"/>: each member's getter is ImapHiddenMembers.Get&lt;member&gt;.</summary>
        private static TypeData Hidden(string typeName, params string[] members)
        {
            var typeData = new TypeData(typeName);
            foreach (string member in members)
            {
                var getter = typeof(ImapHiddenMembers).GetMethod("Get" + member)
                    ?? throw new MissingMethodException(typeof(ImapHiddenMembers).FullName, "Get" + member);
                typeData.Members.Add(member, new CodePropertyData(member, getter) { IsHidden = true });
            }
            return typeData;
        }
    }
}
