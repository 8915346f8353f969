import { useState, type FormEvent } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useParams } from "react-router-dom";
import { api, rows, unwrap } from "../api/client";
import type { Team } from "../api/types";
import { canManage, isAdmin, useSession, type Session } from "../auth/AuthContext";
import { ErrorBox, formatDate, Notice, PageTitle, personName, QueryState, SelectField, TextArea, TextField } from "../components/ui";
import { useTeams } from "./Board";

function managesTeam(session: Session, team: Pick<Team, "my_role">): boolean {
  return isAdmin(session) || team.my_role === "MANAGER";
}

export function Teams() {
  const session = useSession();
  const teams = useTeams();
  return (
    <div className="stack">
      <PageTitle>Teams</PageTitle>
      {canManage(session) && <NewTeam />}
      <QueryState query={teams} isEmpty={(d) => rows(d).length === 0}
        empty={canManage(session) ? "No teams yet: create the first one above." : "You are in no team yet. A manager can add you to one."}>
        {(data) => (
          <ul className="grid three list" data-testid="teams">
            {rows(data).map((team) => (
              <li key={team.id} className="card">
                <h2>
                  <Link to={`/teams/${team.id}`}>{team.name}</Link>
                </h2>
                <p className="muted">{team.description || "No description."}</p>
                <p>
                  {team.member_count} members{team.my_role ? ` · you are ${team.my_role.toLowerCase()}` : ""} ·{" "}
                  <Link to={`/board/${team.id}`}>Board</Link>
                </p>
              </li>
            ))}
          </ul>
        )}
      </QueryState>
    </div>
  );
}

function NewTeam() {
  const queryClient = useQueryClient();
  const [form, setForm] = useState({ name: "", description: "" });
  const create = useMutation({
    mutationFn: () => unwrap(api.POST("/api/teams/", { body: form })),
    onSuccess: () => {
      setForm({ name: "", description: "" });
      queryClient.invalidateQueries({ queryKey: ["teams"] });
    },
  });
  return (
    <form className="card stack" aria-labelledby="new-team"
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        create.mutate();
      }}>
      <h2 id="new-team">New team</h2>
      <div className="grid two">
        <TextField label="Team name" required value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} />
        <TextField label="Description" value={form.description} onChange={(e) => setForm({ ...form, description: e.target.value })} />
      </div>
      {create.error ? <ErrorBox error={create.error} /> : null}
      {create.isSuccess && <Notice kind="success">Team created.</Notice>}
      <div>
        <button type="submit" className="button primary" disabled={create.isPending || !form.name.trim()}>
          {create.isPending ? "Creating…" : "Create team"}
        </button>
      </div>
    </form>
  );
}

export function TeamDetail() {
  const { teamId } = useParams();
  const id = Number(teamId);
  const session = useSession();
  const queryClient = useQueryClient();
  const team = useQuery({ queryKey: ["teams", id], queryFn: () => unwrap(api.GET("/api/teams/{id}/", { params: { path: { id } } })) });
  const members = useQuery({
    queryKey: ["teams", id, "members"],
    queryFn: () => unwrap(api.GET("/api/teams/{id}/members/", { params: { path: { id }, query: { page_size: 100 } as never } })),
  });
  const removeMember = useMutation({
    mutationFn: (user: number) => unwrap(api.POST("/api/teams/{id}/remove-member/", { params: { path: { id } }, body: { user } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["teams"] }),
  });
  return (
    <QueryState query={team}>
      {(data) => {
        const manages = managesTeam(session, data);
        return (
          <div className="stack">
            <PageTitle>{data.name}</PageTitle>
            <p className="muted">{data.description}</p>
            <p>
              <Link to={`/board/${id}`}>Open the board</Link>
            </p>
            {manages && <EditTeam team={data} />}
            <section className="card" aria-labelledby="team-members">
              <h2 id="team-members">Members</h2>
              <QueryState query={members} isEmpty={(d) => rows(d).length === 0} empty="No members yet.">
                {(list) => (
                  <div className="table-wrap">
                    <table>
                      <thead>
                        <tr><th scope="col">Name</th><th scope="col">E-mail</th><th scope="col">Team role</th><th scope="col">Joined</th>{manages && <th scope="col"><span className="sr-only">Actions</span></th>}</tr>
                      </thead>
                      <tbody>
                        {rows(list).map((m) => (
                          <tr key={m.id}>
                            <td>{personName(m.user)}</td>
                            <td>{m.user.email}</td>
                            <td>{m.role === "MANAGER" ? "Manager" : "Member"}</td>
                            <td>{formatDate(m.joined_at)}</td>
                            {manages && (
                              <td>
                                <button type="button" className="button secondary small" onClick={() => removeMember.mutate(m.user.id)}>
                                  Remove <span className="sr-only">{personName(m.user)}</span>
                                </button>
                              </td>
                            )}
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </div>
                )}
              </QueryState>
              {removeMember.error ? <ErrorBox error={removeMember.error} /> : null}
            </section>
            {manages && <AddMember team={id} />}
            {manages && <TeamInvitations team={id} />}
          </div>
        );
      }}
    </QueryState>
  );
}

function EditTeam({ team }: { team: Team }) {
  const queryClient = useQueryClient();
  const [form, setForm] = useState({ name: team.name, description: team.description ?? "" });
  const save = useMutation({
    mutationFn: () => unwrap(api.PATCH("/api/teams/{id}/", { params: { path: { id: team.id } }, body: form })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["teams"] }),
  });
  return (
    <form className="card stack" aria-labelledby="edit-team" onSubmit={(e: FormEvent) => { e.preventDefault(); save.mutate(); }}>
      <h2 id="edit-team">Team details</h2>
      <TextField label="Name" value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} />
      <TextArea label="Description" value={form.description} onChange={(e) => setForm({ ...form, description: e.target.value })} />
      {save.error ? <ErrorBox error={save.error} /> : null}
      {save.isSuccess && <Notice kind="success">Saved.</Notice>}
      <div><button type="submit" className="button primary" disabled={save.isPending}>Save</button></div>
    </form>
  );
}

function AddMember({ team }: { team: number }) {
  const queryClient = useQueryClient();
  const people = useQuery({
    queryKey: ["members", "all"],
    queryFn: () => unwrap(api.GET("/api/tenants/members/", { params: { query: { page_size: 100, is_active: true } as never } })),
  });
  const [form, setForm] = useState({ user: "", role: "MEMBER" });
  const add = useMutation({
    mutationFn: () =>
      unwrap(api.POST("/api/teams/{id}/add-member/", { params: { path: { id: team } }, body: { user: Number(form.user), role: form.role as "MEMBER" } })),
    onSuccess: () => {
      setForm({ user: "", role: "MEMBER" });
      queryClient.invalidateQueries({ queryKey: ["teams"] });
    },
  });
  return (
    <form className="card stack" aria-labelledby="add-member" onSubmit={(e: FormEvent) => { e.preventDefault(); add.mutate(); }}>
      <h2 id="add-member">Add a colleague</h2>
      <div className="grid two">
        <SelectField label="Colleague" value={form.user} onChange={(e) => setForm({ ...form, user: e.target.value })} required>
          <option value="">Choose…</option>
          {rows(people.data).map((p) => (
            <option key={p.id} value={p.id}>{personName(p)} ({p.email})</option>
          ))}
        </SelectField>
        <SelectField label="Team role" value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value })}>
          <option value="MEMBER">Member</option>
          <option value="MANAGER">Manager</option>
        </SelectField>
      </div>
      {people.error ? <ErrorBox error={people.error} /> : null}
      {add.error ? <ErrorBox error={add.error} /> : null}
      <div><button type="submit" className="button primary" disabled={!form.user || add.isPending}>Add to team</button></div>
    </form>
  );
}

function TeamInvitations({ team }: { team: number }) {
  const queryClient = useQueryClient();
  const key = ["team-invitations", team];
  const invitations = useQuery({
    queryKey: key,
    queryFn: () => unwrap(api.GET("/api/teams/invitations/", { params: { query: { team, page_size: 100 } as never } })),
  });
  const [form, setForm] = useState({ email: "", role: "MEMBER" });
  const invite = useMutation({
    mutationFn: () => unwrap(api.POST("/api/teams/invitations/", { body: { team, email: form.email, role: form.role as "MEMBER" } })),
    onSuccess: () => {
      setForm({ email: "", role: "MEMBER" });
      queryClient.invalidateQueries({ queryKey: key });
    },
  });
  const revoke = useMutation({
    mutationFn: (id: number) => unwrap(api.DELETE("/api/teams/invitations/{id}/", { params: { path: { id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: key }),
  });
  return (
    <section className="card stack" aria-labelledby="team-invites">
      <h2 id="team-invites">Invitations to this team</h2>
      <form className="grid two" onSubmit={(e: FormEvent) => { e.preventDefault(); invite.mutate(); }}>
        <TextField label="E-mail of a colleague" type="email" value={form.email} onChange={(e) => setForm({ ...form, email: e.target.value })} required />
        <SelectField label="Team role" value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value })}>
          <option value="MEMBER">Member</option>
          <option value="MANAGER">Manager</option>
        </SelectField>
        <div><button type="submit" className="button primary" disabled={!form.email || invite.isPending}>Send invitation</button></div>
      </form>
      {invite.error ? <ErrorBox error={invite.error} /> : null}
      {invite.isSuccess && <Notice kind="success">Invitation sent.</Notice>}
      <QueryState query={invitations} isEmpty={(d) => rows(d).filter((i) => i.is_pending).length === 0} empty="No invitation is waiting.">
        {(data) => (
          <ul className="list">
            {rows(data).filter((i) => i.is_pending).map((i) => (
              <li key={i.id} className="row spread">
                <span>{i.email} · {i.role === "MANAGER" ? "Manager" : "Member"} · expires {formatDate(i.expires_at)}</span>
                <button type="button" className="button secondary small" onClick={() => revoke.mutate(i.id)}>
                  Withdraw <span className="sr-only">the invitation of {i.email}</span>
                </button>
              </li>
            ))}
          </ul>
        )}
      </QueryState>
      {revoke.error ? <ErrorBox error={revoke.error} /> : null}
    </section>
  );
}
