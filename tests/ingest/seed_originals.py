"""Real-looking originals of the messages the five seed pages quote, as an archive would have them.

Rebuilt from the quoted text on the pages: real line breaks and tabs, real addresses where the
page shows obfuscated ones, the parts a replier trimmed (patches, sign-offs, earlier quotes).
`ORIGINALS[seed]` maps the quote depth a message has on that page to its mail (headers + body);
WILLY_0330_LATER is the message page 000 itself shows (depth 0).
"""

from __future__ import annotations

from pathlib import Path

WILLY_0329 = """\
From: Matthew Wilcox <willy@infradead.org>
To: Qian Cai <cai@lca.pw>
Cc: Huang Ying <ying.huang@intel.com>, linux-mm@kvack.org
Subject: Re: page cache: Store only head pages in i_pages
Date: Fri, 29 Mar 2019 20:04:32 -0700
Message-ID: <20190330030431.GX10344@bombadil.infradead.org>
In-Reply-To: <1553894734.26196.30.camel@lca.pw>
References: <1553894734.26196.30.camel@lca.pw>

On Fri, Mar 29, 2019 at 05:25:34PM -0400, Qian Cai wrote:
> The page_to_pgoff() warning is back after swapoff while the page is
> still mapped, with the i_pages lock not held by the caller.

Excellent!  I'm not comfortable with the rule that you have to be holding
the i_pages lock in order to call find_get_page() on a swap address_space.
How does this look to the various smart people who know far more about the
MM than I do?

The idea is to ensure that if this race does happen, the page will be
handled the same way as a pagecache page.  If __delete_from_swap_cache()
can be called while the page is still part of a VMA, then this patch
will break page_to_pgoff().  But I don't think that can happen ... ?

diff --git a/mm/swap_state.c b/mm/swap_state.c
index 41d5b6ae4e3b..2a39fb6e4f05 100644
--- a/mm/swap_state.c
+++ b/mm/swap_state.c
@@ -167,8 +167,6 @@ void __delete_from_swap_cache(struct page *page, swp_entry_t entry)
 	for (i = 0; i < nr; i++) {
 		void *entry = xas_store(&xas, NULL);
 		VM_BUG_ON_PAGE(entry != page, entry);
-		set_page_private(page + i, 0);
 		xas_next(&xas);
 	}
"""

WILLY_0330 = """\
From: Matthew Wilcox <willy@infradead.org>
To: Qian Cai <cai@lca.pw>
Cc: Huang Ying <ying.huang@intel.com>, linux-mm@kvack.org
Subject: Re: page cache: Store only head pages in i_pages
Date: Sat, 30 Mar 2019 07:10:52 -0700
Message-ID: <20190330141052.GZ10344@bombadil.infradead.org>
In-Reply-To: <20190330030431.GX10344@bombadil.infradead.org>
References: <1553894734.26196.30.camel@lca.pw> <20190330030431.GX10344@bombadil.infradead.org>

On Fri, Mar 29, 2019 at 08:04:32PM -0700, Matthew Wilcox wrote:
> Excellent!  I'm not comfortable with the rule that you have to be holding
> the i_pages lock in order to call find_get_page() on a swap address_space.
> How does this look to the various smart people who know far more about the
> MM than I do?
>
> The idea is to ensure that if this race does happen, the page will be
> handled the same way as a pagecache page.  If __delete_from_swap_cache()
> can be called while the page is still part of a VMA, then this patch
> will break page_to_pgoff().  But I don't think that can happen ... ?

Oh, blah, that can totally happen.  reuse_swap_page() calls
delete_from_swap_cache().  Need a new plan.
"""

WILLY_0330_LATER = """\
From: Matthew Wilcox <willy@infradead.org>
To: Qian Cai <cai@lca.pw>
Cc: Huang Ying <ying.huang@intel.com>, linux-mm@kvack.org
Subject: Re: page cache: Store only head pages in i_pages
Date: Sat, 30 Mar 2019 07:54:11 -0700
Message-ID: <20190330145411.GA10344@bombadil.infradead.org>
In-Reply-To: <20190330141052.GZ10344@bombadil.infradead.org>
References: <1553894734.26196.30.camel@lca.pw> <20190330141052.GZ10344@bombadil.infradead.org>

On Sat, Mar 30, 2019 at 07:10:52AM -0700, Matthew Wilcox wrote:
> On Fri, Mar 29, 2019 at 08:04:32PM -0700, Matthew Wilcox wrote:
> > Excellent!  I'm not comfortable with the rule that you have to be holding
> > the i_pages lock in order to call find_get_page() on a swap address_space.
> > How does this look to the various smart people who know far more about the
> > MM than I do?
> >
> > The idea is to ensure that if this race does happen, the page will be
> > handled the same way as a pagecache page.  If __delete_from_swap_cache()
> > can be called while the page is still part of a VMA, then this patch
> > will break page_to_pgoff().  But I don't think that can happen ... ?
>
> Oh, blah, that can totally happen.  reuse_swap_page() calls
> delete_from_swap_cache().  Need a new plan.

I don't see a good solution here that doesn't involve withdrawing this
patch and starting over.  Bad solutions:

 - Take the i_pages lock around each page lookup call in the swap code
   (not just the one you found; there are others like mc_handle_swap_pte()
   in memcontrol.c)
 - Call synchronize_rcu() in __delete_from_swap_cache()
 - Swap the roles of ->index and ->private for swap pages, and then don't
   clear ->index when deleting a page from the swap cache

The first two would be slow and non-scalable.  The third is still prone
to a race where the page is looked up on one CPU, while another CPU
removes it from one swap file then moves it to a different location,
potentially in a different swap file.  Hard to hit, but not a race we
want to introduce.

I believe that the swap code actually never wants to see subpages.  So if
we start again, introducing APIs (eg find_get_head()) which return the head
page, then convert the swap code over to use those APIs, we don't need to
solve the problem of finding the subpage of a swap page while not holding
the page lock.

I'm obviously reluctant to withdraw the patch, but I don't see a better
option.  Your testing has revealed a problem that needs a deeper solution
than just adding a fix patch.
"""

HUGH_0512 = """\
From: Hugh Dickins <hughd@google.com>
To: Andrew Morton <akpm@linux-foundation.org>
Cc: Cong Wang <amwang@redhat.com>, linux-mm@kvack.org, linux-fsdevel@vger.kernel.org
Subject: [PATCH 3/3] shmem: replace_page must flush_dcache and others
Date: Sat, 12 May 2012 04:59:56 -0700 (PDT)
Message-ID: <alpine.LSU.2.00.1205120453210.28861@eggly.anvils>

The GMA500 GPU driver uses GEM shmem objects, but with a new twist:
the backing RAM has to be below 4GB.  Not a problem while the boards
supported only 4GB: but now Intel's D2700MUD boards support 8GB, and
their GMA3600 is managed by the GMA500 driver.

We'd like to continue to support GMA500, so now add a new
shmem_should_replace_page() check on the zone when about to move
a page from swapcache to filecache (in swapin and swapoff cases),
with shmem_replace_page() to allocate and substitute a suitable page
(given gma500/gem.c's mapping_set_gfp_mask GFP_KERNEL | __GFP_DMA32).

This does involve a minor extension to mem_cgroup_replace_page_cache()
(the page may or may not have already been charged); and I've removed
a comment and call to mem_cgroup_uncharge_cache_page(), which in fact
is always a no-op while PageSwapCache.

Signed-off-by: Hugh Dickins <hughd@google.com>
---
 mm/shmem.c |  141 +++++++++++++++++++++++++++++++++++++++++++++------
 1 file changed, 125 insertions(+), 16 deletions(-)

--- 3045N.orig/mm/shmem.c	2012-05-05 10:46:05.732062006 -0700
+++ 3045N/mm/shmem.c	2012-05-05 10:46:12.316062172 -0700
@@ -636,10 +641,24 @@ static int shmem_unuse_inode(struct shme
+	gfp = mapping_gfp_mask(mapping);
+	if (shmem_should_replace_page(*pagep, gfp)) {
+		mutex_unlock(&shmem_swaplist_mutex);
+		error = shmem_replace_page(pagep, gfp, info, index);
+		mutex_lock(&shmem_swaplist_mutex);
+		/*
+		 * We needed to drop mutex to make that restrictive page
+		 * allocation; but the inode might already be freed by now,
+		 * and we cannot refer to inode or mapping or info to check.
+		 * However, we do hold page lock on the PageSwapCache page,
+		 * so can check if that still has our reference remaining.
+		 */
+		if (!page_swapcount(*pagep))
+			error = -ENOENT;
+	}
@@ -660,7 +679,14 @@ int shmem_unuse(swp_entry_t swap, struct
 	struct list_head *this, *next;
 	struct shmem_inode_info *info;
 	int found = 0;
-	int error;
+	int error = 0;
+
+	/*
+	 * There's a faint possibility that swap page was replaced before
+	 * caller locked it: it will come back later with the right page.
+	 */
+	if (unlikely(!PageSwapCache(page)))
+		goto out;
@@ -856,6 +882,88 @@ static inline struct mempolicy *shmem_ge
+	newpage = shmem_alloc_page(gfp, info, index);
+	if (!newpage)
+		return -ENOMEM;
+	VM_BUG_ON(shmem_should_replace_page(newpage, gfp));
+
+	*pagep = newpage;
+	page_cache_get(newpage);
+	copy_highpage(newpage, oldpage);
+
+	VM_BUG_ON(!PageLocked(oldpage));
+	__set_page_locked(newpage);
"""

AKPM_0514 = """\
From: Andrew Morton <akpm@linux-foundation.org>
To: Hugh Dickins <hughd@google.com>
Cc: Cong Wang <amwang@redhat.com>, linux-mm@kvack.org, linux-fsdevel@vger.kernel.org
Subject: Re: [PATCH 3/3] shmem: replace_page must flush_dcache and others
Date: Mon, 14 May 2012 14:13:21 -0700
Message-ID: <20120514141321.1f2bd19f.akpm@linux-foundation.org>
In-Reply-To: <alpine.LSU.2.00.1205120453210.28861@eggly.anvils>
References: <alpine.LSU.2.00.1205120453210.28861@eggly.anvils>

On Sat, 12 May 2012 04:59:56 -0700 (PDT)
Hugh Dickins <hughd@google.com> wrote:

> We'd like to continue to support GMA500, so now add a new
> shmem_should_replace_page() check on the zone when about to move
> a page from swapcache to filecache (in swapin and swapoff cases),
> with shmem_replace_page() to allocate and substitute a suitable page
> (given gma500/gem.c's mapping_set_gfp_mask GFP_KERNEL | __GFP_DMA32).
>
> ...
>
> +	gfp = mapping_gfp_mask(mapping);
> +	if (shmem_should_replace_page(*pagep, gfp)) {
> +		mutex_unlock(&shmem_swaplist_mutex);
> +		error = shmem_replace_page(pagep, gfp, info, index);
> +		mutex_lock(&shmem_swaplist_mutex);
> +		/*
> +		 * We needed to drop mutex to make that restrictive page
> +		 * allocation; but the inode might already be freed by now,
> +		 * and we cannot refer to inode or mapping or info to check.
> +		 * However, we do hold page lock on the PageSwapCache page,
> +		 * so can check if that still has our reference remaining.
> +		 */
> +		if (!page_swapcount(*pagep))
> +			error = -ENOENT;

This has my head spinning a bit.  What is "our reference"?  I'd expect
that to mean a temporary reference which was taken by this thread of
control.  But such a thing has no relevance when trying to determine
the state of the page and/or data structures which refer to it.

Also, what are we trying to determine here with this test?  Whether the
page was removed from swapcache under our feet?  Presumably not, as it
is locked.

So perhaps you could spell out in more detail what we're trying to do
here, and what contributes to page_swapcount() here?

> @@ -660,7 +679,14 @@ int shmem_unuse(swp_entry_t swap, struct
>  	struct list_head *this, *next;
>  	struct shmem_inode_info *info;
>  	int found = 0;
> -	int error;
> +	int error = 0;
> +
> +	/*
> +	 * There's a faint possibility that swap page was replaced before
> +	 * caller locked it: it will come back later with the right page.

So a caller locked the page then failed to check that it's still the
right sort of page?  Shouldn't the caller locally clean up its own mess
rather than requiring a callee to know about the caller's intricate
shortcomings?

> +	newpage = shmem_alloc_page(gfp, info, index);
> +	if (!newpage)
> +		return -ENOMEM;
> +	VM_BUG_ON(shmem_should_replace_page(newpage, gfp));
> +
> +	*pagep = newpage;
> +	page_cache_get(newpage);
> +	copy_highpage(newpage, oldpage);

copy_highpage() doesn't do flush_dcache_page() - did we need copy_user_highpage()?

shmem_replace_page() is a fairly generic and unexceptional sounding
thing.  Methinks shmem_substitute_page() would be a better name.
"""

YING_0103 = """\
From: "Huang, Ying" <ying.huang@intel.com>
To: Mel Gorman <mgorman@techsingularity.net>
Cc: Jan Kara <jack@suse.cz>, Minchan Kim <minchan@kernel.org>, Andrew Morton <akpm@linux-foundation.org>,
 linux-mm@kvack.org, linux-kernel@vger.kernel.org
Subject: Re: [PATCH -V4 -mm] mm, swap: Fix race between swapoff and some swap operations
Date: Wed, 03 Jan 2018 08:42:15 +0800
Message-ID: <87po6ssjvs.fsf@yhuang-dev.intel.com>
In-Reply-To: <20180102105955.5dkuhvilvrzvdrkn@techsingularity.net>
References: <20171220012632.26840-1-ying.huang@intel.com> <20180102105955.5dkuhvilvrzvdrkn@techsingularity.net>

Mel Gorman <mgorman@techsingularity.net> writes:

> On Tue, Jan 02, 2018 at 12:29:55PM +0100, Jan Kara wrote:
>> On Tue 02-01-18 10:21:03, Mel Gorman wrote:
>>> On Sat, Dec 23, 2017 at 10:36:53AM +0900, Minchan Kim wrote:
>>> > On Fri, Dec 22, 2017 at 10:14:43PM +0800, Huang, Ying wrote:
>>> > > code path. It appears that similar situation is possible for them too.
>>> > >
>>> > > The file cache pages will be delete from file cache address_space before
>>> > > address_space (embedded in inode) is freed. But they will be deleted
>>> > > from LRU list only when its refcount dropped to zero, please take a look
>>> > > at put_page() and release_pages(). While address_space will be freed
>>> > > after putting reference to all file cache pages. If someone holds a
>>> > > reference to a file cache page for quite long time, it is possible for a
>>> > > file cache page to be in LRU list after the inode/address_space is
>>> > > freed.
>>> > >
>>> > > And I found inode/address_space is freed witch call_rcu(). I don't know
>>> > > whether this is related to page_mapping().
>>> > >
>>> > > This is just my understanding.
>>> >
>>> > Hmm, it smells like a bug of __isolate_lru_page.
>>> >
>>> > Ccing Mel:
>>> >
>>> > What locks protects address_space destroying when race happens between
>>> > inode trauncation and __isolate_lru_page?
>>> >
>>>
>>> I'm just back online and have a lot of catching up to do so this is a rushed
>>> answer and I didn't read the background of this. However the question is
>>> somewhat ambiguous and the scope is broad as I'm not sure which race you
>>> refer to. For file cache pages, I wouldnt' expect the address_space to be
>>> destroyed specifically as long as the inode exists which is the structure
>>> containing the address_space in this case. A page on the LRU being isolated
>>> in __isolate_lru_page will have an elevated reference count which will
>>> pin the inode until remove_mapping is called which holds the page lock
>>> while inode truncation looking at a page for truncation also only checks
>>> page_mapping under the page lock. Very broadly speaking, pages avoid being
>>> added back to an inode being freed by checking the I_FREEING state.
>>
>> So I'm wondering what prevents the following:
>>
>> CPU1                                            CPU2
>>
>> truncate(inode)                                 __isolate_lru_page()
>>   ...
>>   truncate_inode_page(mapping, page);
>>     delete_from_page_cache(page)
>>       spin_lock_irqsave(&mapping->tree_lock, flags);
>>         __delete_from_page_cache(page, NULL)
>>           page_cache_tree_delete(..)
>>             ...                                   mapping = page_mapping(page);
>>             page->mapping = NULL;
>>             ...
>>       spin_unlock_irqrestore(&mapping->tree_lock, flags);
>>       page_cache_free_page(mapping, page)
>>         put_page(page)
>>           if (put_page_testzero(page)) -> false
>> - inode now has no pages and can be freed including embedded address_space
>>
>>                                                   if (mapping && !mapping->a_ops->migratepage)
>> - we've dereferenced mapping which is potentially already free.
>>
>
> Hmm, possible if unlikely.
>
> Before delete_from_page_cache, we called truncate_cleanup_page so the
> page is likely to be !PageDirty or PageWriteback which gets skipped by
> the only caller that checks the mappping in __isolate_lru_page. The race
> is tiny but it does exist. One way of closing it is to check the mapping
> under the page lock which will prevent races with truncation. The
> overhead is minimal as the calling context (compaction) is quite a heavy
> operation anyway.
>

I think another possible fix is to use call_rcu_sched() to free inode
(and address_space).  Because __isolate_lru_page() will be called with
LRU spinlock held and IRQ disabled, call_rcu_sched() will wait
LRU spin_unlock and IRQ enabled.

Best Regards,
Huang, Ying
"""

JAN_0102 = """\
From: Jan Kara <jack@suse.cz>
To: Mel Gorman <mgorman@techsingularity.net>
Cc: Minchan Kim <minchan@kernel.org>, "Huang, Ying" <ying.huang@intel.com>,
 Andrew Morton <akpm@linux-foundation.org>, linux-mm@kvack.org, linux-kernel@vger.kernel.org
Subject: Re: [PATCH -V4 -mm] mm, swap: Fix race between swapoff and some swap operations
Date: Tue, 2 Jan 2018 12:29:55 +0100
Message-ID: <20180102112955.GA29170@quack2.suse.cz>
In-Reply-To: <20180102102103.mpah2ehglufwhzle@suse.de>
References: <20171220012632.26840-1-ying.huang@intel.com> <20180102102103.mpah2ehglufwhzle@suse.de>

On Tue 02-01-18 10:21:03, Mel Gorman wrote:
> On Sat, Dec 23, 2017 at 10:36:53AM +0900, Minchan Kim wrote:
> > On Fri, Dec 22, 2017 at 10:14:43PM +0800, Huang, Ying wrote:
> > > code path. It appears that similar situation is possible for them too.
> > >
> > > The file cache pages will be delete from file cache address_space before
> > > address_space (embedded in inode) is freed. But they will be deleted
> > > from LRU list only when its refcount dropped to zero, please take a look
> > > at put_page() and release_pages(). While address_space will be freed
> > > after putting reference to all file cache pages. If someone holds a
> > > reference to a file cache page for quite long time, it is possible for a
> > > file cache page to be in LRU list after the inode/address_space is
> > > freed.
> > >
> > > And I found inode/address_space is freed witch call_rcu(). I don't know
> > > whether this is related to page_mapping().
> > >
> > > This is just my understanding.
> >
> > Hmm, it smells like a bug of __isolate_lru_page.
> >
> > Ccing Mel:
> >
> > What locks protects address_space destroying when race happens between
> > inode trauncation and __isolate_lru_page?
> >
>
> I'm just back online and have a lot of catching up to do so this is a rushed
> answer and I didn't read the background of this. However the question is
> somewhat ambiguous and the scope is broad as I'm not sure which race you
> refer to. For file cache pages, I wouldnt' expect the address_space to be
> destroyed specifically as long as the inode exists which is the structure
> containing the address_space in this case. A page on the LRU being isolated
> in __isolate_lru_page will have an elevated reference count which will
> pin the inode until remove_mapping is called which holds the page lock
> while inode truncation looking at a page for truncation also only checks
> page_mapping under the page lock. Very broadly speaking, pages avoid being
> added back to an inode being freed by checking the I_FREEING state.

So I'm wondering what prevents the following:

CPU1                                            CPU2

truncate(inode)                                 __isolate_lru_page()
  ...
  truncate_inode_page(mapping, page);
    delete_from_page_cache(page)
      spin_lock_irqsave(&mapping->tree_lock, flags);
        __delete_from_page_cache(page, NULL)
          page_cache_tree_delete(..)
            ...                                   mapping = page_mapping(page);
            page->mapping = NULL;
            ...
      spin_unlock_irqrestore(&mapping->tree_lock, flags);
      page_cache_free_page(mapping, page)
        put_page(page)
          if (put_page_testzero(page)) -> false
- inode now has no pages and can be freed including embedded address_space

                                                  if (mapping && !mapping->a_ops->migratepage)
- we've dereferenced mapping which is potentially already free.

								Honza
-- 
Jan Kara <jack@suse.com>
SUSE Labs, CR
"""

DAVID_0215 = """\
From: David Hildenbrand <david@redhat.com>
To: Kairui Song <ryncsn@gmail.com>
Cc: Minchan Kim <minchan@kernel.org>, linux-mm@kvack.org, Andrew Morton <akpm@linux-foundation.org>,
 Barry Song <21cnbao@gmail.com>, Chris Li <chrisl@kernel.org>
Subject: Re: [PATCH v2] mm/swap: fix race when skipping swapcache
Date: Thu, 15 Feb 2024 21:03:28 +0100
Message-ID: <a8ac4e5c-4fb8-4d46-bb3a-2bde8f67bd53@redhat.com>
In-Reply-To: <CAMgjq7Cm0O9aoTp1qTMCKm1HxYE3b4bpvzoyNNZXtP9B1ynAcw@mail.gmail.com>
References: <20240206182559.32264-1-ryncsn@gmail.com> <CAMgjq7Cm0O9aoTp1qTMCKm1HxYE3b4bpvzoyNNZXtP9B1ynAcw@mail.gmail.com>

On 15.02.24 19:07, Kairui Song wrote:
> On Thu, Feb 15, 2024 at 6:19 PM David Hildenbrand <david@redhat.com> wrote:
>>
>> We would detect later, that the PTE changed, but we would temporarily
>> mess with that swap slot that we might no longer "own".
>>
>> I was thinking about alternatives, it's tricky because of the concurrent
>> MADV_DONTNEED possibility. Something with another fake-swap entry type
>> (similar to migration entries) might work, but would require more changes.
>
> Yeah, in the long term I also think more work is needed for the swap subsystem.
>
> In my opinion, for this particular issue, or, for cache bypassed
> swapin, a new swap map value similar to SWAP_MAP_BAD/SWAP_MAP_SHMEM
> might be needed, that may even help to simplify the swap count release
> routine for cache bypassed swapin, and improve the performance.

The question is if we really want to track that in the swapcache and not
rather in the page table.

Imagine the following:

(1) allocate the folio and lock it (we do that already)

(2) take the page table lock. If the PTE is still the same, insert a new
"swapin_in_process" fake swp entry that references the locked folio.

(3) read the folio from swap. This will unlock the folio IIUC. (we do that
already)

(4) relock the folio. (we do that already, might not want to fail)

(4) take the PTE lock. If the PTE did not change, turn it into a present PTE
entry. Otherwise, cleanup.


Any concurrent swap-in users would spot the new "swapin_in_process" fake swp
entry and wait for the page lock (just like we do with migration entries).

Zap code would mostly only clear the "swapin_in_process" fake swp entry and
leave the cleanup to (4) above. Fortunately, concurrent fork() is impossible
as that cannot race with page faults.

There might be one minor thing to optimize with the folio lock above. But in
essence, it would work just like migration entries, just that they are
installed only while we actually do read the content from disk etc.

-- 
Cheers,

David / dhildenb
"""

JASON_0318 = """\
From: Jason Gunthorpe <jgg@nvidia.com>
To: David Hildenbrand <david@redhat.com>
Cc: linux-kernel@vger.kernel.org, Andrew Morton <akpm@linux-foundation.org>, linux-mm@kvack.org
Subject: Re: [PATCH v2 00/15] mm: COW fixes part 3: reliable GUP R/W FOLL_GET of anonymous pages
Date: Fri, 18 Mar 2022 20:48:22 -0300
Message-ID: <20220318234822.GA11336@nvidia.com>
In-Reply-To: <20220315141837.137118-1-david@redhat.com>
References: <20220315141837.137118-1-david@redhat.com>

On Tue, Mar 15, 2022 at 03:18:30PM +0100, David Hildenbrand wrote:
> This is just the natural follow-up of part 2, that will also further
> reduce "wrong COW" on the swapin path, for example, when we cannot remove
> a page from the swapcache due to concurrent writeback, or if we have two
> threads faulting on the same swapped-out page. Fixing O_DIRECT is just a
> nice side-product :)
>
> This issue, including other related COW issues, has been summarized in [3]
> under 2):

I know I would benefit alot from a description of the swap specific
issue a bit more. Most of this message talks about clear_refs which I
do understand a bit better.

Is this talking about what happens after a page gets swapped back in?
eg the exclusive bit is missing when the page is recreated?

Jason
"""

DAVID_0315 = """\
From: David Hildenbrand <david@redhat.com>
To: linux-kernel@vger.kernel.org
Cc: Andrew Morton <akpm@linux-foundation.org>, Jason Gunthorpe <jgg@nvidia.com>, linux-mm@kvack.org
Subject: [PATCH v2 00/15] mm: COW fixes part 3: reliable GUP R/W FOLL_GET of anonymous pages
Date: Tue, 15 Mar 2022 15:18:30 +0100
Message-ID: <20220315141837.137118-1-david@redhat.com>

More information on the general COW issues can be found at [2]. This series
is based on latest linus/master and [1]:

This is just the natural follow-up of part 2, that will also further
reduce "wrong COW" on the swapin path, for example, when we cannot remove
a page from the swapcache due to concurrent writeback, or if we have two
threads faulting on the same swapped-out page. Fixing O_DIRECT is just a
nice side-product :)

This issue, including other related COW issues, has been summarized in [3]
under 2):

David Hildenbrand (15):
  mm/rmap: fix missing swap_free() in try_to_unmap() after arch_unmap_one()
  mm/hugetlb: take src_mm->write_protect_seq in copy_hugetlb_page_range()
"""

# quote depth on the page -> the real message
ORIGINALS: dict[str, dict[int, str]] = {
    "000_04549a968bee6e93.txt": {1: WILLY_0330, 2: WILLY_0329},
    "001_e5779e28165e000f.txt": {1: AKPM_0514, 2: HUGH_0512},
    "002_724bcb3cc4354858.txt": {1: YING_0103, 3: JAN_0102},
    "003_8985432c2770a4f4.txt": {1: DAVID_0215},
    "004_e2d0a14b533089af.txt": {1: JASON_0318, 2: DAVID_0315},
}


def write_mbox(path: Path, mails: list[str]) -> Path:
    """An mbox of `mails`, each behind a `From ` separator line."""
    path.write_text("".join(f"From mboxrd@z Thu Jan  1 00:00:00 1970\n{mail}\n" for mail in mails))
    return path
