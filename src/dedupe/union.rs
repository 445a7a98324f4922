//! Disjoint sets of rows, each carrying what its members say about who they are ([`Person`]),
//! so that a merge can be refused when it would make two people one.

/// What a set of rows says about the person: the contact id it names, whether any member has
/// an email, and the names of the members that have one. Packed into 24 bytes (two 64-bit
/// halves of the digests and a flag byte) rather than 80 as `Option`s and an enum: a
/// million-row file keeps two of these per row while it resolves (issue 20, memory). These
/// are only ever compared for equality between the members of groups that already share a key,
/// so 64 bits suffice: two different names or ids agree by chance at 2^-64 per comparison
/// (the keys that find the groups keep their 128 bits).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Person {
    /// The contact id's digest (its low half) when `HAS_ID` is set, else 0.
    id: u64,
    /// The one name's digest (its low half) when `ONE_NAME` is set, else 0.
    name: u64,
    flags: u8,
}

const HAS_ID: u8 = 1;
const HAS_EMAIL: u8 = 2;
const ONE_NAME: u8 = 4;
const NEVER: u8 = 8;

/// The folded names of the members with an email.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Names {
    /// No member has an email.
    None,
    /// Every member with an email has this name.
    One(u64),
    /// Members with emails disagree, or one has no name: this set agrees with nobody.
    Never,
}

impl Person {
    /// One row's person.
    pub(super) fn of(id: Option<u128>, has_email: bool, name: Option<u128>) -> Person {
        let names = match (has_email, name) {
            (false, _) => Names::None,
            (true, Some(name)) => Names::One(name as u64),
            (true, None) => Names::Never,
        };
        Person::pack(id.map(|id| id as u64), has_email, names)
    }

    fn pack(id: Option<u64>, has_email: bool, names: Names) -> Person {
        let mut flags = if has_email { HAS_EMAIL } else { 0 };
        if id.is_some() {
            flags |= HAS_ID;
        }
        let name = match names {
            Names::None => 0,
            Names::One(name) => {
                flags |= ONE_NAME;
                name
            }
            Names::Never => {
                flags |= NEVER;
                0
            }
        };
        Person {
            id: id.unwrap_or(0),
            name,
            flags,
        }
    }

    fn id(&self) -> Option<u64> {
        (self.flags & HAS_ID != 0).then_some(self.id)
    }

    fn has_email(&self) -> bool {
        self.flags & HAS_EMAIL != 0
    }

    fn names(&self) -> Names {
        if self.flags & ONE_NAME != 0 {
            Names::One(self.name)
        } else if self.flags & NEVER != 0 {
            Names::Never
        } else {
            Names::None
        }
    }

    /// Whether the two can be one contact: they do not name two different contact ids.
    pub(super) fn same_contact(&self, other: &Person) -> bool {
        match (self.id(), other.id()) {
            (Some(a), Some(b)) => a == b,
            _ => true,
        }
    }

    /// Whether a shared phone makes them one person: at most one has an email, or both have
    /// and every name agrees.
    pub(super) fn same_person(&self, other: &Person) -> bool {
        if !self.has_email() || !other.has_email() {
            return true;
        }
        matches!((self.names(), other.names()), (Names::One(a), Names::One(b)) if a == b)
    }

    /// Both together.
    pub(super) fn with(&self, other: &Person) -> Person {
        let names = match (self.names(), other.names()) {
            (Names::None, n) | (n, Names::None) => n,
            (Names::One(a), Names::One(b)) if a == b => Names::One(a),
            _ => Names::Never,
        };
        Person::pack(
            self.id().or(other.id()),
            self.has_email() || other.has_email(),
            names,
        )
    }

    /// Names someone: has an email or a contact id.
    pub(super) fn is_someone(&self) -> bool {
        self.has_email() || self.id().is_some()
    }

    /// Names nobody: could be anyone holding the same phone.
    pub(super) fn is_anonymous(&self) -> bool {
        !self.is_someone()
    }
}

/// Per member `0..n`, a representative of the members `links` join, directly or not (any
/// member of the set; only equality between members' answers means anything).
pub(super) fn components(n: usize, links: impl Iterator<Item = (u32, u32)>) -> Vec<u32> {
    let mut parent: Vec<u32> = (0..n as u32).collect();
    fn root(parent: &mut [u32], mut x: u32) -> u32 {
        while parent[x as usize] != x {
            let grand = parent[parent[x as usize] as usize];
            parent[x as usize] = grand;
            x = grand;
        }
        x
    }
    for (a, b) in links {
        let (ra, rb) = (root(&mut parent, a), root(&mut parent, b));
        parent[ra.max(rb) as usize] = ra.min(rb);
    }
    (0..n as u32).map(|m| root(&mut parent, m)).collect()
}

/// Disjoint sets over members `0..n`; the smallest member of a set is its root. A member can
/// be excluded: it joins nothing more and is left out of the groups.
pub(super) struct UnionFind {
    parent: Vec<u32>,
    /// Per member: its own person; per root: the set's.
    own: Vec<Person>,
    set: Vec<Person>,
    excluded: Vec<bool>,
}

impl UnionFind {
    pub(super) fn new(people: Vec<Person>) -> UnionFind {
        let n = people.len();
        UnionFind {
            parent: (0..n as u32).collect(),
            set: people.clone(),
            own: people,
            excluded: vec![false; n],
        }
    }

    pub(super) fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            // Path halving keeps trees flat without recursion.
            let grand = self.parent[self.parent[x as usize] as usize];
            self.parent[x as usize] = grand;
            x = grand;
        }
        x
    }

    /// The person of the set whose root is `root`.
    pub(super) fn person(&self, root: u32) -> Person {
        self.set[root as usize]
    }

    /// The member's own person (not its set's).
    pub(super) fn own(&self, member: u32) -> Person {
        self.own[member as usize]
    }

    /// Back to the member alone, as when the sets were made (excluded or not).
    pub(super) fn reset(&mut self, member: u32, excluded: bool) {
        let m = member as usize;
        self.parent[m] = member;
        self.set[m] = self.own[m];
        self.excluded[m] = excluded;
    }

    pub(super) fn exclude(&mut self, member: u32) {
        self.excluded[member as usize] = true;
    }

    pub(super) fn is_excluded(&self, member: u32) -> bool {
        self.excluded[member as usize]
    }

    /// Joins the sets of `a` and `b` when `agree(a's person, b's person)`; false when refused.
    pub(super) fn union_if(
        &mut self,
        a: u32,
        b: u32,
        agree: impl Fn(&Person, &Person) -> bool,
    ) -> bool {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra == rb {
            return true;
        }
        let (pa, pb) = (self.set[ra as usize], self.set[rb as usize]);
        if !agree(&pa, &pb) {
            return false;
        }
        // The smaller index (earlier row) is the root: it survives.
        let (root, child) = if ra < rb { (ra, rb) } else { (rb, ra) };
        self.parent[child as usize] = root;
        self.set[root as usize] = pa.with(&pb);
        true
    }

    /// Sets of two or more members that are not excluded, as rows, each in member order,
    /// ordered by their first row.
    pub(super) fn groups(mut self, rows: &[u64]) -> Vec<Vec<u64>> {
        let n = rows.len();
        let mut roots = vec![u32::MAX; n];
        let mut size = vec![0u32; n];
        for i in 0..n as u32 {
            if !self.excluded[i as usize] {
                let root = self.find(i);
                roots[i as usize] = root;
                size[root as usize] += 1;
            }
        }
        // Slot of each root's group; only sets of two or more get one (a million single rows
        // cost no allocation). Walking members in order opens each group at its first member
        // and fills it in file order, so groups come ordered by their first row.
        let mut slot = vec![u32::MAX; n];
        let mut groups: Vec<Vec<u64>> = Vec::new();
        for i in 0..n {
            let root = roots[i];
            if root == u32::MAX || size[root as usize] < 2 {
                continue;
            }
            let s = &mut slot[root as usize];
            if *s == u32::MAX {
                *s = groups.len() as u32;
                groups.push(Vec::with_capacity(size[root as usize] as usize));
            }
            groups[*s as usize].push(rows[i]);
        }
        groups
    }
}
